// A loopback server for fault-injection tests of an HTTP client: every
// accepted connection runs a script of steps (read a request, send bytes, in
// pieces, wait, close, reset, stall, ...), over TCP or TLS. Test-only and
// header-only; it needs Asio and OpenSSL, which httpc::httpc links.
//
//   using httpc::test::step;
//   httpc::test::script_server server;
//   server.on_connection({step::read_request(),
//                         step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
//                         step::close()});
//   ... connect a client to 127.0.0.1:server.port(), send a request ...
//   REQUIRE(server.wait_for_requests(1, std::chrono::seconds(2)));
//   CHECK(server.requests()[0] == "GET / HTTP/1.1\r\nHost: ...\r\n\r\n");
//   CHECK(server.errors().empty());
//
// The server runs on its own thread and io_context, independent of the
// client's; every wait is bounded, and the destructor cancels whatever is
// still pending.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace httpc::test {

/// One step of a connection's script; build steps with the static functions.
struct step {
  enum class kind {
    read_request, read_bytes, read_until, send, delay, key_update,
    close, reset, truncate, stall, expect_close,
  };

  kind what = kind::close;
  std::string bytes;                        // send: the data; read_until: the delimiter
  std::size_t count = 0;                    // read_bytes: how many
  std::vector<std::size_t> splits;          // send: piece boundaries (offsets into bytes)
  std::chrono::milliseconds duration{0};    // delay, stall: how long; send: gap between pieces
  std::optional<std::chrono::milliseconds> timeout;  // reads, expect_close: the bound
                                                     // (default: server_options::step_timeout)

  /// Reads one request: the head up to CRLFCRLF, then a Content-Length body or
  /// a chunked body up to its last chunk and trailers. Records the raw bytes
  /// (head and body as received) in requests() and reads().
  static step read_request(std::optional<std::chrono::milliseconds> limit = {}) {
    step s;
    s.what = kind::read_request;
    s.timeout = limit;
    return s;
  }
  /// Reads exactly n bytes; records them in reads().
  static step read_bytes(std::size_t n, std::optional<std::chrono::milliseconds> limit = {}) {
    step s;
    s.what = kind::read_bytes;
    s.count = n;
    s.timeout = limit;
    return s;
  }
  /// Reads up to and including the delimiter; records the bytes in reads().
  /// Bytes received past the delimiter stay buffered for the next step.
  static step read_until(std::string delimiter,
                         std::optional<std::chrono::milliseconds> limit = {}) {
    if (delimiter.empty()) throw std::invalid_argument("step::read_until: empty delimiter");
    step s;
    s.what = kind::read_until;
    s.bytes = std::move(delimiter);
    s.timeout = limit;
    return s;
  }
  /// Writes the bytes in one write.
  static step send(std::string data) {
    step s;
    s.what = kind::send;
    s.bytes = std::move(data);
    return s;
  }
  /// Writes the bytes in pieces cut at the given offsets (ascending, each at
  /// most the size), one write per piece, waiting delay_between between pieces.
  static step send_pieces(std::string data, std::vector<std::size_t> split_points,
                          std::chrono::milliseconds delay_between) {
    if (!std::is_sorted(split_points.begin(), split_points.end()) ||
        (!split_points.empty() && split_points.back() > data.size()))
      throw std::invalid_argument("step::send_pieces: split points must ascend within the data");
    step s;
    s.what = kind::send;
    s.bytes = std::move(data);
    s.splits = std::move(split_points);
    s.duration = delay_between;
    return s;
  }
  /// Writes the bytes in pieces of piece_size bytes (the last may be shorter).
  /// (A name of its own: send_pieces(data, {4}, ...) must mean a split at 4.)
  static step send_pieces_of(std::string data, std::size_t piece_size,
                             std::chrono::milliseconds delay_between) {
    if (piece_size == 0) throw std::invalid_argument("step::send_pieces_of: piece size 0");
    std::vector<std::size_t> points;
    for (std::size_t at = piece_size; at < data.size(); at += piece_size) points.push_back(at);
    return send_pieces(std::move(data), std::move(points), delay_between);
  }
  /// Waits, doing nothing.
  static step delay(std::chrono::milliseconds how_long) {
    step s;
    s.what = kind::delay;
    s.duration = how_long;
    return s;
  }
  /// Over TLS 1.3: asks for a key update both ways (KeyUpdate with
  /// update_requested); it goes out ahead of the next send, and the client
  /// must answer with its own. Over TCP, nothing.
  static step key_update() {
    step s;
    s.what = kind::key_update;
    return s;
  }
  /// Graceful close, and the end of the script: TLS close_notify, then a TCP
  /// FIN, then unread input is drained (bounded by server_options::linger) so
  /// that the kernel sends no RST, then the socket is closed.
  static step close() { return step{}; }
  /// Abortive close, and the end of the script: SO_LINGER {on, 0}, then close;
  /// the client sees ECONNRESET.
  static step reset() {
    step s;
    s.what = kind::reset;
    return s;
  }
  /// Over TLS: close() without close_notify (the client sees a truncated
  /// stream). Over TCP the same as close(). Ends the script.
  static step truncate() {
    step s;
    s.what = kind::truncate;
    return s;
  }
  /// Keeps the connection open, reading and writing nothing, then close().
  /// Ends the script.
  static step stall(std::chrono::milliseconds how_long) {
    step s;
    s.what = kind::stall;
    s.duration = how_long;
    return s;
  }
  /// Waits until the client closes (end of stream, TLS close_notify, or a
  /// reset); any byte received instead, or no close within the bound, is an
  /// error. Ends the script.
  static step expect_close(std::optional<std::chrono::milliseconds> limit = {}) {
    step s;
    s.what = kind::expect_close;
    s.timeout = limit;
    return s;
  }
};

/// The steps one connection runs, in order. A script that ends without a
/// closing step (close, reset, truncate, stall, expect_close) ends with close().
using script = std::vector<step>;

struct server_options {
  bool ipv6 = false;                                  // also listen on [::1], same port
  std::chrono::milliseconds step_timeout{3000};       // bound of each read, write, handshake
  std::chrono::milliseconds linger{1000};             // bound of close()'s drain
};

struct tls_options {
  std::string cert_pem;      // certificate chain, PEM text; when empty, cert_file is read
  std::string key_pem;       // private key, PEM text; when empty, key_file is read
  std::string cert_file;
  std::string key_file;
  std::string client_ca_pem; // non-empty: require a client certificate that it signed

  static tls_options from_pem(std::string cert_pem, std::string key_pem) {
    tls_options o;
    o.cert_pem = std::move(cert_pem);
    o.key_pem = std::move(key_pem);
    return o;
  }
  static tls_options from_files(std::string cert_file, std::string key_file) {
    tls_options o;
    o.cert_file = std::move(cert_file);
    o.key_file = std::move(key_file);
    return o;
  }
};

/// What a TLS client negotiated, per handshake.
struct tls_handshake {
  std::size_t connection = 0;  // accept order, from 0
  std::string server_name;     // SNI; empty when the client sent none
  std::string alpn;            // "http/1.1" when the client offered it, else empty
};

struct self_signed_certificate {
  std::string cert_pem;
  std::string key_pem;
};

namespace detail {

/// A step's failure; recorded in errors(), then the connection is closed.
struct script_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Bytes for a message: control characters escaped, long runs shortened.
inline std::string printable(std::string_view bytes, std::size_t limit = 120) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The body framing of a request head: a length, chunked, or none.
struct framing {
  bool chunked = false;
  std::size_t length = 0;
};

inline framing request_framing(std::string_view head) {
  framing f;
  std::size_t at = head.find("\r\n");  // skip the request line
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t begin = at + 2;
    at = head.find("\r\n", begin);
    const std::string_view line =
        head.substr(begin, at == std::string_view::npos ? std::string_view::npos : at - begin);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size())
        throw script_failure("bad Content-Length: " + printable(value));
      f.length = n;
    } else if (name == "transfer-encoding") {
      // Chunked when it is the last coding (RFC 9112 §6.1).
      const std::string codings = lower(value);
      const std::size_t comma = codings.rfind(',');
      f.chunked = trim(comma == std::string::npos ? std::string_view(codings)
                                                  : std::string_view(codings).substr(comma + 1)) ==
                  "chunked";
    }
  }
  return f;
}

/// The size of a chunk-size line ("1a;ext=x\r\n").
inline std::size_t chunk_size(std::string_view line) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n, 16);
  if (ec != std::errc() || end == line.data() || (*end != ';' && *end != '\r' && *end != ' ' &&
                                                   *end != '\t'))
    throw script_failure("bad chunk-size line: " + printable(line));
  return n;
}

using clock = std::chrono::steady_clock;

struct connection_base {
  virtual ~connection_base() = default;
  /// Closes the socket and cancels the timers; pending steps end at once.
  virtual void abort() = 0;
};

/// One accepted connection: its stream, buffered input and timers. Used on
/// the server's thread only.
template <class Stream>
struct connection final : connection_base, std::enable_shared_from_this<connection<Stream>> {
  static constexpr bool is_tls = !std::is_same_v<Stream, asio::ip::tcp::socket>;

  template <class... Context>
  explicit connection(asio::ip::tcp::socket socket, Context&... context)
      : watchdog(socket.get_executor()),
        sleeper(socket.get_executor()),
        stream(std::move(socket), context...) {}

  asio::ip::tcp::socket& tcp() {
    if constexpr (is_tls) {
      return stream.next_layer();
    } else {
      return stream;
    }
  }

  void abort() override {
    std::error_code ignored;
    tcp().close(ignored);
    watchdog.cancel();
    sleeper.cancel();
  }

  /// Runs one operation bounded by the deadline: the watchdog cancels the
  /// socket when it expires, and the error becomes asio::error::timed_out.
  /// initiate(token) starts the operation with the given completion token.
  template <class Initiate>
  asio::awaitable<std::size_t> timed(clock::time_point deadline, std::error_code& ec,
                                     Initiate initiate) {
    // A generation number, so that a watchdog that fires after its operation
    // ended does not cancel the next one.
    const std::uint64_t mine = ++generation;
    timed_out = false;
    watchdog.expires_at(deadline);
    watchdog.async_wait([self = this->shared_from_this(), mine](std::error_code e) {
      if (!e && self->generation == mine) {
        self->timed_out = true;
        std::error_code ignored;
        self->tcp().cancel(ignored);
      }
    });
    ec = {};
    std::size_t n = 0;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    using result = typename decltype(initiate(token))::value_type;
    if constexpr (std::is_void_v<result>) {
      co_await initiate(token);
    } else {
      n = co_await initiate(token);
    }
    ++generation;
    watchdog.cancel();
    if (ec && timed_out) ec = asio::error::timed_out;
    co_return n;
  }

  /// Reads once more into the input buffer; throws on an error or the end.
  asio::awaitable<void> fill(clock::time_point deadline, std::string_view doing) {
    std::error_code ec;
    const std::size_t n = co_await timed(deadline, ec, [this](auto token) {
      return stream.async_read_some(asio::buffer(scratch), std::move(token));
    });
    input.append(scratch.data(), n);
    if (!ec) co_return;
    std::string message(doing);
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      message += ": the client closed the connection";
    } else {
      message += ": " + ec.message();
    }
    if (!input.empty()) message += " after \"" + printable(input) + "\"";
    throw script_failure(message);
  }

  asio::awaitable<std::string> read_until(std::string_view delimiter, clock::time_point deadline,
                                          std::string_view doing) {
    std::size_t from = 0;
    for (;;) {
      const std::size_t at = input.find(delimiter, from);
      if (at != std::string::npos) {
        std::string out = input.substr(0, at + delimiter.size());
        input.erase(0, at + delimiter.size());
        co_return out;
      }
      from = input.size() >= delimiter.size() ? input.size() - delimiter.size() + 1 : 0;
      co_await fill(deadline, doing);
    }
  }

  asio::awaitable<std::string> read_exactly(std::size_t n, clock::time_point deadline,
                                            std::string_view doing) {
    while (input.size() < n) co_await fill(deadline, doing);
    std::string out = input.substr(0, n);
    input.erase(0, n);
    co_return out;
  }

  asio::awaitable<std::string> read_request(clock::time_point deadline) {
    std::string request = co_await read_until("\r\n\r\n", deadline, "read_request (head)");
    const framing f = request_framing(request);
    if (f.chunked) {
      for (;;) {
        const std::string line = co_await read_until("\r\n", deadline, "read_request (chunk size)");
        request += line;
        const std::size_t size = chunk_size(line);
        if (size == 0) break;
        request += co_await read_exactly(size + 2, deadline, "read_request (chunk data)");
        if (!request.ends_with("\r\n"))
          throw script_failure("read_request: chunk data not followed by CRLF");
      }
      // Trailer fields, then the empty line.
      for (;;) {
        const std::string line = co_await read_until("\r\n", deadline, "read_request (trailers)");
        request += line;
        if (line == "\r\n") break;
      }
    } else if (f.length > 0) {
      request += co_await read_exactly(f.length, deadline, "read_request (body)");
    }
    co_return request;
  }

  asio::awaitable<void> write(std::string_view data, clock::time_point deadline) {
    std::error_code ec;
    co_await timed(deadline, ec, [this, data](auto token) {
      return asio::async_write(stream, asio::buffer(data), std::move(token));
    });
    if (ec) throw script_failure("send: " + ec.message());
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds how_long) {
    std::error_code ec;
    sleeper.expires_after(how_long);
    co_await sleeper.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw script_failure("stopped");
  }

  /// Sends a FIN, reads and drops what the client still sends until it closes
  /// or the deadline passes, then closes: closing with unread input would make
  /// the kernel send a RST, which can destroy the response in flight.
  asio::awaitable<void> finish_tcp(clock::time_point deadline) {
    std::error_code ec;
    tcp().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    while (!ec) {
      co_await timed(deadline, ec, [this](auto token) {
        return tcp().async_read_some(asio::buffer(scratch), std::move(token));
      });
    }
    tcp().close(ec);
  }

  asio::awaitable<void> close_gracefully(std::chrono::milliseconds linger) {
    const auto deadline = clock::now() + linger;
    if constexpr (is_tls) {
      // Sends close_notify, then waits (bounded) for the client's.
      std::error_code ec;
      co_await timed(deadline, ec,
                     [this](auto token) { return stream.async_shutdown(std::move(token)); });
    }
    co_await finish_tcp(deadline);
  }

  void reset() {
    std::error_code ec;
    tcp().set_option(asio::socket_base::linger(true, 0), ec);
    tcp().close(ec);
  }

  asio::awaitable<void> expect_close(clock::time_point deadline,
                                     std::chrono::milliseconds limit) {
    if (!input.empty())
      throw script_failure("expect_close: unread bytes \"" + printable(input) + "\"");
    for (;;) {
      std::error_code ec;
      const std::size_t n = co_await timed(deadline, ec, [this](auto token) {
        return stream.async_read_some(asio::buffer(scratch), std::move(token));
      });
      if (n > 0)
        throw script_failure("expect_close: received \"" +
                             printable(std::string_view(scratch.data(), n)) + "\"");
      if (ec == asio::error::timed_out)
        throw script_failure("expect_close: the client did not close within " +
                             std::to_string(limit.count()) + " ms");
      if (ec == asio::error::operation_aborted) throw script_failure("stopped");
      if (ec) break;  // the end of the stream, close_notify, a truncation or a reset
    }
    std::error_code ignored;
    tcp().close(ignored);
  }

  asio::steady_timer watchdog;  // bounds the current operation
  asio::steady_timer sleeper;   // delay and stall
  Stream stream;
  std::string input;            // received, not yet consumed by a step
  std::array<char, 16384> scratch{};
  std::uint64_t generation = 0;
  bool timed_out = false;
};

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using openssl_ptr = std::unique_ptr<T, openssl_deleter<T, Free>>;

[[noreturn]] inline void throw_openssl(const char* what) {
  const unsigned long code = ERR_get_error();
  std::string message = std::string("make_self_signed: ") + what;
  if (code != 0) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    message += ": ";
    message += text.data();
  }
  ERR_clear_error();
  throw std::runtime_error(message);
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace detail

/// A self-signed certificate (P-256 key, SHA-256, valid from an hour ago for
/// a week) for `name`: its CN and its subjectAltName (an IP address entry when
/// `name` is an IPv4 or IPv6 literal, else a DNS entry). The certificate is
/// its own issuer, so a client that trusts it (add_certificate_authority)
/// verifies it, host name included. Made in memory with OpenSSL's C API.
inline self_signed_certificate make_self_signed(std::string_view name) {
  using namespace detail;
  openssl_ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free> key_context(
      EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  if (!key_context || EVP_PKEY_keygen_init(key_context.get()) <= 0 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(key_context.get(), NID_X9_62_prime256v1) <= 0)
    throw_openssl("key parameters");
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_keygen(key_context.get(), &raw_key) <= 0) throw_openssl("key generation");
  const openssl_ptr<EVP_PKEY, EVP_PKEY_free> key(raw_key);

  const openssl_ptr<X509, X509_free> cert(X509_new());
  if (!cert) throw_openssl("X509_new");
  std::random_device random;
  const long serial = static_cast<long>(random() & 0x7fffffffU) + 1;
  if (X509_set_version(cert.get(), 2) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) ||
      X509_set_pubkey(cert.get(), key.get()) != 1)
    throw_openssl("certificate fields");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string common_name(name);
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1)
    throw_openssl("certificate name");

  std::error_code not_an_address;
  (void)asio::ip::make_address(common_name, not_an_address);
  const std::string alt_name = (not_an_address ? "DNS:" : "IP:") + common_name;
  X509V3_CTX extension_context;
  X509V3_set_ctx_nodb(&extension_context);
  X509V3_set_ctx(&extension_context, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, alt_name},
  };
  for (const auto& [nid, value] : extensions) {
    const openssl_ptr<X509_EXTENSION, X509_EXTENSION_free> extension(
        X509V3_EXT_conf_nid(nullptr, &extension_context, nid, value.c_str()));
    if (!extension || X509_add_ext(cert.get(), extension.get(), -1) != 1)
      throw_openssl("certificate extension");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) throw_openssl("signature");

  const openssl_ptr<BIO, BIO_free_all> cert_bio(BIO_new(BIO_s_mem()));
  const openssl_ptr<BIO, BIO_free_all> key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1)
    throw_openssl("PEM output");
  return {bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

/// A loopback port with nothing listening on it (bound, then closed), for
/// connection-refused tests. Another program could take it meanwhile, which
/// is unlikely in the short time a test needs it.
inline std::uint16_t refused_port() {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.open(asio::ip::tcp::v4());
  socket.bind({asio::ip::address_v4::loopback(), 0});
  return socket.local_endpoint().port();
}

/// A loopback port where a connect neither succeeds nor fails, for connect
/// timeouts: a listener with backlog 0 that never accepts, its queue filled
/// by connects of its own (Linux then drops further SYNs).
class unanswered_port {
 public:
  unanswered_port() : acceptor_(io_, asio::ip::tcp::v4()) {
    acceptor_.bind({asio::ip::address_v4::loopback(), 0});
    acceptor_.listen(0);
    for (auto& filler : fillers_) {
      filler.emplace(io_);
      filler->async_connect(acceptor_.local_endpoint(), [](std::error_code) {});
    }
    io_.run_for(std::chrono::milliseconds(100));
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::array<std::optional<asio::ip::tcp::socket>, 4> fillers_;
};

/// A scripted loopback server; see the top of this file.
class script_server {
 public:
  /// Plain TCP.
  explicit script_server(server_options options = {}) : options_(options) { start(); }

  /// TLS: every accepted connection is wrapped in an asio::ssl::stream and
  /// handshaken before its script runs (a failed handshake is an error()).
  explicit script_server(const tls_options& tls, server_options options = {})
      : options_(options) {
    tls_context_.emplace(asio::ssl::context::tls_server);
    asio::ssl::context& context = *tls_context_;
    context.set_options(asio::ssl::context::default_workarounds |
                        asio::ssl::context::single_dh_use);
    if (!tls.cert_pem.empty()) {
      context.use_certificate_chain(asio::buffer(tls.cert_pem));
    } else {
      context.use_certificate_chain_file(tls.cert_file);
    }
    if (!tls.key_pem.empty()) {
      context.use_private_key(asio::buffer(tls.key_pem), asio::ssl::context::pem);
    } else {
      context.use_private_key_file(tls.key_file, asio::ssl::context::pem);
    }
    if (!tls.client_ca_pem.empty()) {
      context.add_certificate_authority(asio::buffer(tls.client_ca_pem));
      context.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    // Selects http/1.1 when the client offers it (ALPN, RFC 7301).
    SSL_CTX_set_alpn_select_cb(
        context.native_handle(),
        [](SSL*, const unsigned char** out, unsigned char* out_size, const unsigned char* in,
           unsigned int in_size, void*) -> int {
          static const unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
          unsigned char* chosen = nullptr;
          if (SSL_select_next_proto(&chosen, out_size, ours, sizeof ours, in, in_size) !=
              OPENSSL_NPN_NEGOTIATED)
            return SSL_TLSEXT_ERR_NOACK;
          *out = chosen;
          return SSL_TLSEXT_ERR_OK;
        },
        nullptr);
    start();
  }

  script_server(const script_server&) = delete;
  script_server& operator=(const script_server&) = delete;

  /// Cancels everything pending (connections are closed as they are, without
  /// finishing their scripts) and joins the thread; bounded.
  ~script_server() {
    stopping_ = true;
    asio::post(io_, [this] { shut_down(); });
    // Everything ends once its socket or timer is cancelled; should a
    // handler still be running after a while, stop the loop regardless.
    if (thread_done_.wait_for(std::chrono::seconds(2)) != std::future_status::ready) io_.stop();
    thread_.join();
  }

  /// The bound port (the same on 127.0.0.1 and, with ipv6, on [::1]).
  std::uint16_t port() const { return port_; }
  bool is_tls() const { return tls_context_.has_value(); }

  /// Appends the script of the next connection: the first call's script runs
  /// on the first connection accepted, and so on. Call before the client
  /// connects.
  void on_connection(script steps) {
    const std::lock_guard lock(mutex_);
    scripts_.push_back(std::move(steps));
  }

  /// The script of every connection past those given to on_connection();
  /// by default {step::close()}.
  void on_every_connection(script steps) {
    const std::lock_guard lock(mutex_);
    default_script_ = std::move(steps);
  }

  /// The raw bytes of every read_request, in the order they completed.
  std::vector<std::string> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  /// The bytes of every read step (read_request, read_bytes, read_until).
  std::vector<std::string> reads() const {
    const std::lock_guard lock(mutex_);
    return reads_;
  }
  /// What went wrong, one line each: a failed step ("connection 0, step 1
  /// (read_request): ..."), a failed handshake. Empty when all went to plan.
  std::vector<std::string> errors() const {
    const std::lock_guard lock(mutex_);
    return errors_;
  }
  /// TLS only: what each completed handshake negotiated.
  std::vector<tls_handshake> handshakes() const {
    const std::lock_guard lock(mutex_);
    return handshakes_;
  }
  /// Connections accepted so far.
  std::size_t connections() const {
    const std::lock_guard lock(mutex_);
    return accepted_;
  }
  /// Connections whose script has ended (completed or failed).
  std::size_t finished() const {
    const std::lock_guard lock(mutex_);
    return finished_;
  }

  /// Each waits until the count reaches n; false if the timeout passes first.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
    return wait_until_count(timeout, [&] { return requests_.size() >= n; });
  }
  bool wait_for_reads(std::size_t n, std::chrono::milliseconds timeout) const {
    return wait_until_count(timeout, [&] { return reads_.size() >= n; });
  }
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
    return wait_until_count(timeout, [&] { return accepted_ >= n; });
  }
  bool wait_for_finished(std::size_t n, std::chrono::milliseconds timeout) const {
    return wait_until_count(timeout, [&] { return finished_ >= n; });
  }

 private:
  using tcp = asio::ip::tcp;
  using tls_stream = asio::ssl::stream<tcp::socket>;

  void start() {
    // With ipv6, the port that 127.0.0.1 got may be taken on [::1]: try others.
    for (int attempt = 1;; ++attempt) {
      port_ = listen(acceptor_v4_, {asio::ip::address_v4::loopback(), 0});
      if (!options_.ipv6) break;
      try {
        listen(acceptor_v6_, {asio::ip::address_v6::loopback(), port_});
        break;
      } catch (const std::system_error&) {
        std::error_code ignored;
        acceptor_v4_.close(ignored);
        acceptor_v6_.close(ignored);
        if (attempt == 10) throw;
      }
    }
    asio::co_spawn(io_, accept_loop(acceptor_v4_), asio::detached);
    if (options_.ipv6) asio::co_spawn(io_, accept_loop(acceptor_v6_), asio::detached);
    thread_done_ = thread_finished_.get_future();
    thread_ = std::thread([this] {
      for (;;) {
        try {
          io_.run();
          break;
        } catch (const std::exception& e) {
          record_error(std::string("server thread: ") + e.what());
        }
      }
      thread_finished_.set_value();
    });
  }

  static std::uint16_t listen(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
    acceptor.open(endpoint.protocol());
    if (endpoint.protocol() == tcp::v6()) acceptor.set_option(asio::ip::v6_only(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    return acceptor.local_endpoint().port();
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      std::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(
          asio::redirect_error(asio::use_awaitable, ec));
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        record_error("accept: " + ec.message());
        co_return;
      }
      socket.set_option(tcp::no_delay(true), ec);  // each send goes out at once
      std::size_t index = 0;
      script steps;
      {
        const std::lock_guard lock(mutex_);
        index = accepted_++;
        steps = index < scripts_.size() ? scripts_[index] : default_script_;
      }
      changed_.notify_all();
      if (tls_context_) {
        run<tls_stream>(std::make_shared<detail::connection<tls_stream>>(std::move(socket),
                                                                         *tls_context_),
                        index, std::move(steps));
      } else {
        run<tcp::socket>(std::make_shared<detail::connection<tcp::socket>>(std::move(socket)),
                         index, std::move(steps));
      }
    }
  }

  template <class Stream>
  void run(std::shared_ptr<detail::connection<Stream>> connection, std::size_t index,
           script steps) {
    std::erase_if(live_, [](const auto& weak) { return weak.expired(); });
    live_.push_back(connection);
    asio::co_spawn(io_, run_script(std::move(connection), index, std::move(steps)),
                   [this, index](std::exception_ptr failure) {
                     if (failure && !stopping_) {
                       try {
                         std::rethrow_exception(failure);
                       } catch (const std::exception& e) {
                         record_error("connection " + std::to_string(index) + ": " + e.what());
                       }
                     }
                     {
                       const std::lock_guard lock(mutex_);
                       ++finished_;
                     }
                     changed_.notify_all();
                   });
  }

  static const char* name_of(step::kind kind) {
    switch (kind) {
      case step::kind::read_request: return "read_request";
      case step::kind::read_bytes: return "read_bytes";
      case step::kind::read_until: return "read_until";
      case step::kind::send: return "send";
      case step::kind::delay: return "delay";
      case step::kind::key_update: return "key_update";
      case step::kind::close: return "close";
      case step::kind::reset: return "reset";
      case step::kind::truncate: return "truncate";
      case step::kind::stall: return "stall";
      case step::kind::expect_close: return "expect_close";
    }
    return "?";
  }

  template <class Stream>
  asio::awaitable<void> run_script(std::shared_ptr<detail::connection<Stream>> connection,
                                   std::size_t index, script steps) {
    auto& c = *connection;
    const auto step_deadline = [this](const step& s) {
      return detail::clock::now() + s.timeout.value_or(options_.step_timeout);
    };
    std::string failure;
    if constexpr (detail::connection<Stream>::is_tls) {
      std::error_code ec;
      co_await c.timed(detail::clock::now() + options_.step_timeout, ec, [&c](auto token) {
        return c.stream.async_handshake(asio::ssl::stream_base::server, std::move(token));
      });
      if (ec) {
        if (!stopping_)
          record_error("connection " + std::to_string(index) + ", TLS handshake: " +
                       ec.message());
        c.abort();
        co_return;
      }
      record_handshake(index, c.stream.native_handle());
    }

    bool ended = false;  // a closing step ran
    for (std::size_t i = 0; i < steps.size() && !ended && !stopping_; ++i) {
      const step& s = steps[i];
      try {
        switch (s.what) {
          case step::kind::read_request: {
            std::string request = co_await c.read_request(step_deadline(s));
            record_read(std::move(request), true);
            break;
          }
          case step::kind::read_bytes: {
            std::string bytes = co_await c.read_exactly(s.count, step_deadline(s), "read_bytes");
            record_read(std::move(bytes), false);
            break;
          }
          case step::kind::read_until: {
            std::string bytes = co_await c.read_until(s.bytes, step_deadline(s), "read_until");
            record_read(std::move(bytes), false);
            break;
          }
          case step::kind::send: {
            std::size_t from = 0;
            for (std::size_t piece = 0; piece <= s.splits.size(); ++piece) {
              const std::size_t to = piece < s.splits.size() ? s.splits[piece] : s.bytes.size();
              if (piece > 0 && s.duration.count() > 0) co_await c.sleep(s.duration);
              if (to > from) {
                const std::string_view data = std::string_view(s.bytes).substr(from, to - from);
                co_await c.write(data, detail::clock::now() + options_.step_timeout);
              }
              from = to;
            }
            break;
          }
          case step::kind::delay:
            co_await c.sleep(s.duration);
            break;
          case step::kind::key_update:
            if constexpr (detail::connection<Stream>::is_tls) {
              if (SSL_key_update(c.stream.native_handle(), SSL_KEY_UPDATE_REQUESTED) != 1)
                throw std::runtime_error("SSL_key_update failed");
            }
            break;
          case step::kind::close:
            co_await c.close_gracefully(options_.linger);
            ended = true;
            break;
          case step::kind::reset:
            c.reset();
            ended = true;
            break;
          case step::kind::truncate:
            if constexpr (detail::connection<Stream>::is_tls) {
              co_await c.finish_tcp(detail::clock::now() + options_.linger);
            } else {
              co_await c.close_gracefully(options_.linger);
            }
            ended = true;
            break;
          case step::kind::stall:
            co_await c.sleep(s.duration);
            co_await c.close_gracefully(options_.linger);
            ended = true;
            break;
          case step::kind::expect_close: {
            const auto limit = s.timeout.value_or(options_.step_timeout);
            co_await c.expect_close(detail::clock::now() + limit, limit);
            ended = true;
            break;
          }
        }
      } catch (const detail::script_failure& e) {
        failure = "connection " + std::to_string(index) + ", step " + std::to_string(i) + " (" +
                  name_of(s.what) + "): " + e.what();
      }
      if (!failure.empty()) break;
    }
    if (!failure.empty()) {
      if (!stopping_) record_error(failure);
      c.abort();
    } else if (!ended && !stopping_) {
      co_await c.close_gracefully(options_.linger);
    }
  }

  void shut_down() {
    std::error_code ignored;
    acceptor_v4_.close(ignored);
    acceptor_v6_.close(ignored);
    for (const auto& weak : live_) {
      if (const auto connection = weak.lock()) connection->abort();
    }
  }

  template <class Predicate>
  bool wait_until_count(std::chrono::milliseconds timeout, Predicate ready) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, ready);
  }

  void record_read(std::string bytes, bool is_request) {
    {
      const std::lock_guard lock(mutex_);
      if (is_request) requests_.push_back(bytes);
      reads_.push_back(std::move(bytes));
    }
    changed_.notify_all();
  }

  void record_error(std::string message) {
    {
      const std::lock_guard lock(mutex_);
      errors_.push_back(std::move(message));
    }
    changed_.notify_all();
  }

  void record_handshake(std::size_t index, SSL* ssl) {
    tls_handshake h;
    h.connection = index;
    if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) h.server_name = sni;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_size = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
    if (alpn != nullptr) h.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_size);
    const std::lock_guard lock(mutex_);
    handshakes_.push_back(std::move(h));
  }

  server_options options_;

  // Shared with the test's thread, under mutex_.
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<script> scripts_;
  script default_script_{step::close()};
  std::vector<std::string> requests_;
  std::vector<std::string> reads_;
  std::vector<std::string> errors_;
  std::vector<tls_handshake> handshakes_;
  std::size_t accepted_ = 0;
  std::size_t finished_ = 0;
  std::atomic<bool> stopping_{false};

  // Declared before io_: it must outlive the streams that io_ may still hold.
  std::optional<asio::ssl::context> tls_context_;
  // Server thread only. io_ outlives the acceptors and the connections.
  asio::io_context io_{1};
  tcp::acceptor acceptor_v4_{io_};
  tcp::acceptor acceptor_v6_{io_};
  std::uint16_t port_ = 0;
  std::vector<std::weak_ptr<detail::connection_base>> live_;
  std::promise<void> thread_finished_;
  std::future<void> thread_done_;
  std::thread thread_;
};

}  // namespace httpc::test
