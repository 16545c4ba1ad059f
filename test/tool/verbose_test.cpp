// Verbose lines (tool/verbose.hpp): the request head as the serializer
// writes it, the pool's events, a plain connection. (TLS facts and the
// response head: test/tool/transfer_test.cpp, against a server.)
#include "verbose.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

using namespace httpc::tool;

namespace {

// What `print` wrote to a FILE*.
template <class Print>
std::string captured(Print print) {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  print(f);
  std::string text(static_cast<std::size_t>(std::ftell(f)), '\0');
  std::rewind(f);
  CHECK(std::fread(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);
  return text;
}

}  // namespace

TEST_CASE("verbose: the request head with the connection's automatic fields") {
  prepared_request r;
  r.url = "http://example.test:8080/p?q";
  r.method = "POST";
  r.headers = {{"X-A", "1"}};
  r.data = "abc";
  r.has_data = true;
  CHECK(captured([&](std::FILE* f) { print_request_head(f, r); }) ==
        "> POST /p?q HTTP/1.1\n> Host: example.test:8080\n> Accept-Encoding: identity\n"
        "> Content-Length: 3\n> X-A: 1\n>\n");
}

TEST_CASE("verbose: the pool's events") {
  httpc::request_timings t;
  t.reused = true;
  t.retries = 1;
  t.redirects = 2;
  CHECK(captured([&](std::FILE* f) { print_events(f, t, "http://h/end"); }) ==
        "* Re-using existing connection\n"
        "* Retried 1 time(s) on a new connection: a kept-alive one was closed\n"
        "* Followed 2 redirect(s) to http://h/end\n");
  httpc::request_timings failed;
  failed.error = std::make_error_code(std::errc::connection_refused);
  failed.remote = {asio::ip::make_address("127.0.0.1"), 9};
  CHECK(captured([&](std::FILE* f) { print_events(f, failed, ""); }) == "* connect to 127.0.0.1 port 9 failed\n");
}

TEST_CASE("verbose: a plain connection") {
  const httpc::url target = httpc::parse_url("http://localhost:8080/");
  const httpc::connection_event e{&target, {asio::ip::make_address("::1"), 8080}, nullptr};
  CHECK(captured([&](std::FILE* f) { print_connected(f, e); }) == "* Connected to localhost (::1) port 8080\n");
  const httpc::connection_event trying{&target, {asio::ip::make_address("::1"), 8080}, nullptr, false};
  CHECK(captured([&](std::FILE* f) { print_connected(f, trying); }) == "*   Trying ::1:8080...\n");
}
