// The load generator's contract (bench/README.md) on Boost.Beast, written
// as Beast's own C++20 coroutine examples are: one coroutine per
// connection, beast::tcp_stream (or ssl_stream over it), a request object
// kept per connection, a flat_buffer kept per connection, and a fresh
// response<string_body> read with http::async_read for every request.
//
//   httpc-bench-beast HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]
//
// Prints `requests=N errors=E seconds=S`; exits 0 only when E is 0.

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including it.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "../load_contract.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct tally {
  std::uint64_t started = 0;
  std::uint64_t finished = 0;
  std::uint64_t good = 0;
  std::uint64_t errors = 0;
  std::optional<std::size_t> length;
  clock_type::time_point last_response;
};

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

net::awaitable<void> connect(plain_stream& stream, const bench::load_settings& config) {
  tcp::resolver resolver(co_await net::this_coro::executor);
  const auto endpoints = co_await resolver.async_resolve(config.host, std::to_string(config.port), net::use_awaitable);
  co_await stream.async_connect(endpoints, net::use_awaitable);
  stream.socket().set_option(tcp::no_delay(true));
}

net::awaitable<void> connect(tls_stream& stream, const bench::load_settings& config) {
  co_await connect(beast::get_lowest_layer(stream), config);
  boost::system::error_code not_an_address;
  net::ip::make_address(config.host, not_an_address);
  if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), config.host.c_str()))
    throw boost::system::system_error(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
  stream.set_verify_callback(ssl::host_name_verification(config.host));
  co_await stream.async_handshake(ssl::stream_base::client, net::use_awaitable);
}

template <class Stream, class... Context>
net::awaitable<void> drive(const bench::load_settings& config, tally& counts, Context&... context) {
  const auto executor = co_await net::this_coro::executor;
  http::request<http::empty_body> request{http::verb::get, config.path, 11};
  request.set(http::field::host, config.host);
  request.set(http::field::user_agent, BOOST_BEAST_VERSION_STRING);
  std::optional<Stream> stream;
  beast::flat_buffer buffer;
  while (counts.started < config.total) {
    ++counts.started;
    bool good = false;
    try {
      if (!stream) {
        stream.emplace(executor, context...);
        buffer.clear();
        co_await connect(*stream, config);
      }
      co_await http::async_write(*stream, request, net::use_awaitable);
      http::response<http::string_body> response;
      co_await http::async_read(*stream, buffer, response, net::use_awaitable);
      if (response.result() == http::status::ok) {
        if (!counts.length) counts.length = response.body().size();
        good = response.body().size() == *counts.length;
      }
      if (!response.keep_alive()) stream.reset();
    } catch (const boost::system::system_error&) {
      // Counted below; the connection reconnects.
    }
    if (good) {
      ++counts.good;
    } else {
      ++counts.errors;
      stream.reset();
    }
    if (++counts.finished == config.total) counts.last_response = clock_type::now();
  }
}

template <class Stream, class... Context>
void run_all(net::io_context& io, const bench::load_settings& config, tally& counts, Context&... context) {
  for (std::size_t i = 0; i < config.connections; ++i)
    net::co_spawn(io, drive<Stream>(config, counts, context...), [](std::exception_ptr failure) {
      if (failure) std::rethrow_exception(failure);
    });
  io.run();
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = bench::parse_load_arguments("httpc-bench-beast", argc, argv);
  if (!config) return 2;
  net::io_context io(1);
  tally counts;
  const auto start = clock_type::now();
  counts.last_response = start;
  if (config->ca_file) {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(*config->ca_file);
    context.set_verify_mode(ssl::verify_peer);
    run_all<tls_stream>(io, *config, counts, context);
  } else {
    run_all<plain_stream>(io, *config, counts);
  }
  const std::chrono::duration<double> seconds = counts.last_response - start;
  std::printf("requests=%llu errors=%llu seconds=%.3f\n", static_cast<unsigned long long>(counts.good),
              static_cast<unsigned long long>(counts.errors), seconds.count());
  return counts.errors == 0 ? 0 : 1;
}
