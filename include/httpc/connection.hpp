#pragma once
/// \file
/// The coroutine core: one HTTP/1.1 connection, plain or TLS, driven with
/// `co_await` or any Asio completion token.
///
///     httpc::connection c(co_await asio::this_coro::executor);
///     co_await c.async_connect("example.org", 80);
///     co_await c.async_request("GET", "/");
///     auto r = co_await c.async_getresponse();
///     std::string body = co_await r.async_read_all();
///
/// Without a token each `async_*` returns an `asio::awaitable` that throws
/// `std::system_error`; with a token (a callback, `asio::use_future`,
/// `asio::experimental::deferred`, ...) it completes with Asio's
/// `void(std::error_code[, T])` signatures. Errors: `httpc::error` for the
/// protocol, the OS's or OpenSSL's codes for the transport,
/// `std::errc::timed_out` for a timeout, `asio::error::operation_aborted`
/// for a cancellation. Any error closes the connection.

#include <asio/any_io_executor.hpp>    // the executor type of a connection
#include <asio/experimental/as_tuple.hpp>  // error codes instead of exceptions inside
#include <asio/awaitable.hpp>          // asio::awaitable, the default result
#include <asio/ip/tcp.hpp>             // the socket
#include <asio/ssl/context.hpp>        // the TLS context
#include <asio/ssl/stream.hpp>         // the TLS stream
#include <asio/steady_timer.hpp>       // timeouts
#include <asio/use_awaitable.hpp>      // the default completion token
#include <chrono>                      // timeouts
#include <cstddef>                     // std::size_t
#include <cstdint>                     // std::uint16_t
#include <functional>                  // std::function, the streaming body source
#include <limits>                      // the default body limit
#include <memory>                      // std::shared_ptr, the timer's state
#include <optional>                    // optional settings and lookups
#include <span>                        // the receive buffer's room
#include <string>                      // bodies, the host
#include <string_view>                 // views into the receive buffer
#include <system_error>                // std::error_code
#include <tuple>                       // results of the inner operations
#include <type_traits>                 // std::is_same_v
#include <utility>                     // std::move

#include "httpc/detail/completion.hpp"
#include "httpc/detail/happy_eyeballs.hpp"
#include "httpc/detail/socks5.hpp"
#include "httpc/detail/tls_pipe.hpp"
#include "httpc/error.hpp"
#include "httpc/fields.hpp"
#include "httpc/parser.hpp"
#include "httpc/reader.hpp"
#include "httpc/resolver.hpp"
#include "httpc/response_head.hpp"
#include "httpc/serializer.hpp"
#include "httpc/tls_session.hpp"

namespace httpc {

/// How long each phase of the last async_connect took (zero: not reached).
struct connect_timings {
  std::chrono::nanoseconds resolve{};    ///< name resolution
  std::chrono::nanoseconds connect{};    ///< TCP connect, every address tried
  std::chrono::nanoseconds handshake{};  ///< TLS handshake
  asio::ip::tcp::endpoint remote;        ///< the address connected to, or the last one tried
};

/// Settings of one connection. The defaults suit a service talking to
/// servers it does not trust; an empty timeout is off.
struct connection_options {
  /// Strict: a first line that is no HTTP status line is
  /// error::bad_status_line; HTTP/0.9 only with `strict = false`.
  parser_options parser{.strict = true};
  /// The whole async_connect: resolve, TCP connect, a proxy's CONNECT or
  /// SOCKS5 handshake, the TLS handshake (30 s: Go's DefaultTransport dial
  /// timeout).
  std::optional<std::chrono::milliseconds> connect_timeout{30000};
  /// The TLS handshake alone, within connect_timeout (10 s: Go's
  /// TLSHandshakeTimeout): a server that accepts TCP and never speaks TLS
  /// cannot hold a connect for long.
  std::optional<std::chrono::milliseconds> handshake_timeout{10000};
  std::optional<std::chrono::milliseconds> write_timeout;    ///< each write
  std::optional<std::chrono::milliseconds> read_timeout;     ///< each read: the idle time allowed
  std::optional<std::chrono::milliseconds> request_timeout;  ///< from async_request to the end of the head
  /// How long `Expect: 100-continue` waits for the interim response before
  /// the body is sent anyway (RFC 9110 §10.1.1).
  std::chrono::milliseconds expect_continue_timeout{1000};
  /// Interim (1xx) responses allowed before the final one; more is
  /// error::too_many_interim_responses. A server sending `102 Processing`
  /// forever would otherwise hold the request without end. Five, as Go's
  /// net/http: 100 Continue, 103 Early Hints and a few 102 fit.
  std::size_t max_interim_responses = 5;
  std::optional<asio::ip::tcp::endpoint> source_address;     ///< bind before connecting
  /// A name with several addresses: IPv6 and IPv4 alternate, and each
  /// attempt has this head start before the next begins (sooner when it
  /// fails); the first connection wins (Happy Eyeballs, RFC 8305: 250 ms).
  std::chrono::milliseconds happy_eyeballs_delay{250};
  /// The receive buffer's start size: it grows for a large head or a fast
  /// body, and comes back to this once a response is read (1 KiB: see
  /// httpc/reader.hpp).
  std::size_t receive_buffer_size = response_reader::default_start_size;
  /// TLS: verify the peer's certificate chain against the context's trust
  /// store. Off, with verify_host_name off too: the context's own verify mode
  /// decides.
  bool verify_peer = true;
  /// TLS: check that the certificate names the host (RFC 9525; partial
  /// wildcards never match). Implies verify_peer.
  bool verify_host_name = true;
  /// When set, async_connect records its phases there (the pool's timings).
  connect_timings* timings = nullptr;
  /// When set, called with each address as async_connect tries it (the
  /// pool's on_connect: a tool's "Trying" lines).
  std::function<void(const asio::ip::tcp::endpoint&)> on_connecting;
  /// Resolves host names (address literals are used as they are): a hook,
  /// a cache, another DNS client (httpc/resolver.hpp). Null: a
  /// make_resolver() for each lookup (c-ares, which blocks nothing else).
  std::shared_ptr<httpc::resolver> resolver;
};

/// A request body: none (the default, `{}`), bytes, or a streaming source
/// that yields pieces until it yields nothing. Bytes are not copied: they
/// must stay valid until the request completes.
class request_body {
 public:
  using source = std::function<asio::awaitable<std::optional<std::string>>()>;

  request_body() noexcept = default;
  request_body(std::string_view bytes) noexcept : kind_(body_kind::sized), bytes_(bytes) {}
  request_body(const char* bytes) noexcept : request_body(std::string_view(bytes)) {}
  request_body(const std::string& bytes) noexcept : request_body(std::string_view(bytes)) {}
  request_body(source producer) noexcept
      : kind_(body_kind::streaming), source_(std::move(producer)) {}

  body_kind kind() const noexcept { return kind_; }
  std::string_view bytes() const noexcept { return bytes_; }
  source& producer() noexcept { return source_; }

 private:
  body_kind kind_ = body_kind::none;
  std::string_view bytes_;
  source source_;
};

/// A SOCKS5 proxy's user name and password (RFC 1929): the name 1 to 255
/// bytes, the password at most 255.
struct socks5_credentials {
  std::string user;
  std::string password;
};

/// How async_connect_socks5 asks a SOCKS5 proxy (RFC 1928) for a connection.
struct socks5_options {
  /// Offered beside "no authentication" when set. (Optional so that a
  /// default socks5_options holds no string: g++ 12 corrupts one in a
  /// default argument beside a co_await.)
  std::optional<socks5_credentials> credentials;
  /// Resolve the target's name here and send the proxy its first address
  /// (curl's socks5://); else the proxy resolves the name (socks5h://).
  /// An address literal goes as an address either way.
  bool resolve_locally = false;
};

/// RFC 1928 §6's meaning of a SOCKS5 reply code ("connection refused" for
/// 5); "unassigned" past 8.
std::string_view socks5_reply_text(std::uint8_t code) noexcept;

/// A TLS client context as a careful client wants it: the system trust
/// store, peer verification, TLS 1.2 or later.
asio::ssl::context make_tls_context();

template <class Stream>
class basic_response;
class any_connection;

namespace detail {
/// Where a tunnel leads, and how a proxy is asked for it once connected to:
/// an HTTP CONNECT or a SOCKS5 handshake.
struct tunnel_plan {
  enum class way : unsigned char { http_connect, socks5 };
  way how = way::http_connect;
  std::string host;
  std::uint16_t port = 0;
  // http_connect: the CONNECT request. socks5: the RFC 1929 request, empty
  // without credentials.
  std::string request;
  bool resolve_locally = false;  // socks5: send the address resolved here
  std::error_code refused;       // caller input that cannot go out: nothing is sent
};
struct no_tls_pipe {};  // a plain connection's tls_ member
}  // namespace detail

/// One connection to one origin; one request at a time, responses read in
/// order. Not movable: responses refer to it.
template <class Stream>
class basic_connection {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, asio::ip::tcp::socket>;
  using executor_type = asio::any_io_executor;
  using stream_type = Stream;
  using response_type = basic_response<Stream>;

  // Defined here: clang 14 matches no out-of-line constrained constructor.
  explicit basic_connection(const executor_type& executor, connection_options options = {})
    requires(!is_tls)
      : executor_(executor), options_(std::move(options)), timer_(executor),
        reader_(options_.parser, options_.receive_buffer_size) {}
  basic_connection(const executor_type& executor, asio::ssl::context& context,
                   connection_options options = {})
    requires(is_tls)
      : executor_(executor),
        options_(std::move(options)),
        tls_context_(&context),
        timer_(executor),
        reader_(options_.parser, options_.receive_buffer_size) {}
  basic_connection(const basic_connection&) = delete;
  basic_connection& operator=(const basic_connection&) = delete;
  ~basic_connection();

  executor_type get_executor() const noexcept { return executor_; }
  const connection_options& options() const noexcept { return options_; }
  /// Timeouts may be changed between requests (a pool sets them per
  /// request); the parser's settings are fixed at construction.
  connection_options& options() noexcept { return options_; }
  /// The stream of the current connection (valid after async_connect). Over
  /// TLS, for its SSL object (native_handle(): the peer's certificate, the
  /// cipher): the connection moves the records itself, not through the
  /// stream's read and write operations.
  Stream& stream() noexcept { return *stream_; }
  asio::ip::tcp::socket& socket() noexcept;
  /// Connected, and not closed since by an error, a cancellation or a
  /// response that ends the connection.
  bool is_open() const noexcept;
  /// Whether a request may be sent now: open, and the last response read.
  bool is_idle() const noexcept { return state_ == state::idle; }
  /// Closes the connection; pending operations end with operation_aborted.
  void close() noexcept;
  /// The bytes received and not consumed yet. After a failed
  /// async_getresponse they begin with the head as received (the facade's
  /// BadStatusLine reports its first line); valid until the next operation.
  std::string_view received() const noexcept { return reader_.unparsed(); }

  /// Resolves `host`, connects to its addresses in turn, and for TLS does the
  /// handshake with SNI (names only, RFC 6066), ALPN "http/1.1", and peer and
  /// host name verification.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect(std::string_view host, std::uint16_t port, CompletionToken&& token = {});

  /// Sends a request. Host and Accept-Encoding: identity are added unless
  /// given; the body is framed as httpc/serializer.hpp says. Method, target
  /// and fields are checked first: nothing is sent when one is refused.
  /// `Expect: 100-continue` holds the body back until the server agrees.
  template <class CompletionToken = asio::use_awaitable_t<>>
    requires detail::token_for<CompletionToken, void(std::error_code)>
  auto async_request(std::string_view method, std::string_view target,
                     CompletionToken&& token = {}) {
    return async_request(method, target, request_body{}, Headers{},
                         std::forward<CompletionToken>(token));
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_request(std::string_view method, std::string_view target, request_body body,
                     const Headers& headers = {}, CompletionToken&& token = {});

  /// Reads the head of the response to the last request, skipping 1xx
  /// interim responses (101 is final).
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_getresponse(CompletionToken&& token = {});

  /// Connects to the proxy at proxy_host:proxy_port and asks it for a tunnel
  /// to host:port (CONNECT, RFC 9110 §9.3.6, sent with `proxy_headers`, e.g.
  /// Proxy-Authorization); a TLS connection then makes its handshake with
  /// `host` through the tunnel. Requests afterwards name `host`. A proxy
  /// answer other than 2xx is error::tunnel_failed; tunnel_refusal() has it.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect_tunnel(std::string_view proxy_host, std::uint16_t proxy_port,
                            std::string_view host, std::uint16_t port,
                            const Headers& proxy_headers = {}, CompletionToken&& token = {});
  /// After error::tunnel_failed: the proxy's status code, a space, its reason.
  const std::string& tunnel_refusal() const noexcept { return tunnel_refusal_; }

  /// Connects to the SOCKS5 proxy at proxy_host:proxy_port (RFC 1928) and
  /// asks it for a connection to host:port: no authentication offered, and
  /// user/password (RFC 1929) too with `options.credentials`; the target's
  /// name goes to the proxy, or with `options.resolve_locally` its first
  /// address resolved here. A TLS connection then makes its handshake with
  /// `host`; requests afterwards name `host`. A failure reply is
  /// error::socks_failed (socks_reply() has its code); no acceptable method
  /// or refused credentials, error::socks_auth_failed; a malformed answer,
  /// error::bad_socks_reply. A name over 255 bytes for the proxy, or
  /// credentials that do not fit RFC 1929, are error::invalid_url, and
  /// nothing is sent. Within connect_timeout, as the rest of the connect.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect_socks5(std::string_view proxy_host, std::uint16_t proxy_port, std::string_view host,
                            std::uint16_t port, const socks5_options& options = {},
                            CompletionToken&& token = {});
  /// After error::socks_failed: the proxy's reply code (1 to 255; see
  /// socks5_reply_text); 0 otherwise.
  std::uint8_t socks_reply() const noexcept { return socks_reply_; }

  /// Connects to the Unix domain socket at `path` (curl's --unix-socket)
  /// for the origin host:port, which requests name (Host) and a TLS
  /// connection makes its handshake with (SNI, the certificate's name). No
  /// resolver, no address; a listener whose queue is full is
  /// std::errc::resource_unavailable_try_again at once.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect_unix(std::string_view path, std::string_view host, std::uint16_t port,
                          CompletionToken&& token = {});

  /// Sends a request head that the caller serialized (write_request_start,
  /// write_field, write_head_end), for a response to `method`; a body
  /// follows with async_send. What the blocking facade's endheaders uses.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_send_head(std::string_view method, std::string_view head, CompletionToken&& token = {});
  /// Writes `bytes` as they are, e.g. a body after async_send_head; they
  /// must stay valid until the operation completes.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_send(std::string_view bytes, CompletionToken&& token = {});

  /// An idle connection that can take another request: nothing unread is
  /// buffered, and a non-blocking look at the socket shows the peer has not
  /// closed or reset it, nor sent bytes nobody asked for.
  bool is_reusable() noexcept;

  /// Whether any byte of the last request reached the socket (or may have:
  /// a write was under way). A request of which nothing went out can be
  /// sent again elsewhere, whatever its method.
  bool wrote_request() const noexcept { return wrote_request_; }

  // The session is no connection_options member: options are settings,
  // shared (a pool gives all its connections the same), while a session is
  // learned from one server and good for that origin alone.

  /// TLS: the session to offer on the next async_connect or
  /// async_connect_tunnel (that one only), to resume it with a short
  /// handshake; a server that does not take it makes a full one. It must
  /// come from a connection with the same TLS context to the same host and
  /// port: keep sessions per origin and context, as the pool does. A
  /// resumed session was verified when it was made; the host name is
  /// checked again against its certificate.
  void set_tls_session(httpc::tls_session session) noexcept
    requires(is_tls)
  {
    session_to_offer_ = std::move(session);
  }
  /// TLS: the connection's session when it can be resumed, else empty:
  /// after the handshake under TLS 1.2; under TLS 1.3 once a session
  /// ticket came, which servers send after the handshake (after the first
  /// response was read). Still there once the connection is closed; none
  /// after a handshake that did not finish.
  httpc::tls_session tls_session() const noexcept
    requires(is_tls)
  {
    SSL* ssl = native_ssl();
    if (ssl == nullptr || SSL_is_init_finished(ssl) != 1) return {};
    httpc::tls_session current(SSL_get1_session(ssl));
    if (current && SSL_SESSION_is_resumable(current.native_handle()) == 1) return current;
    return {};
  }
  /// TLS: whether the last handshake resumed the session offered.
  bool tls_session_reused() const noexcept
    requires(is_tls)
  {
    SSL* ssl = native_ssl();
    return ssl != nullptr && SSL_session_reused(ssl) == 1;
  }

 private:
  friend class basic_response<Stream>;
  // Its async_getresponse has the core's frame make an any_response: no
  // frame of its own to convert the result.
  friend class any_connection;
  enum class state : unsigned char { closed, idle, awaiting_response, reading_body };
  using clock = std::chrono::steady_clock;

  // The SSL object, or null. Asio's native_handle() is not const, though it
  // changes nothing. Not constrained to TLS: clang 14 instantiates the
  // members above for a plain connection too when the class is
  // instantiated explicitly, and their bodies call this.
  SSL* native_ssl() const noexcept {
    if constexpr (is_tls)
      return stream_ ? const_cast<Stream&>(*stream_).native_handle() : nullptr;
    else
      return nullptr;
  }

  // `unix_path` set: the connection goes there, for the origin host:port.
  asio::awaitable<std::error_code> connect_op(std::string host, std::uint16_t port,
                                              std::optional<detail::tunnel_plan> tunnel,
                                              std::string unix_path = {});
  asio::awaitable<std::error_code> open_tunnel(const detail::tunnel_plan& tunnel);
  asio::awaitable<std::error_code> open_http_tunnel(const detail::tunnel_plan& tunnel);
  asio::awaitable<std::error_code> open_socks5(const detail::tunnel_plan& tunnel);
  asio::awaitable<std::error_code> socks_round(std::string_view out, std::span<unsigned char> in);
  asio::awaitable<std::error_code> send_op(std::string_view bytes);
  template <class Policy>
  asio::awaitable<typename Policy::status_type> request_op(
      request_body body, body_encoding encoding, bool expect_continue,
      std::optional<std::uint64_t> declared_length, std::error_code refused);
  template <class Policy, class Result = response_type>
  asio::awaitable<typename Policy::template value_type<Result>> getresponse_op();
  asio::awaitable<std::tuple<std::error_code, std::string_view>> next_body_op(char* direct,
                                                                              std::size_t max);
  template <class Policy>
  asio::awaitable<typename Policy::template value_type<std::size_t>> read_some_op(
      asio::mutable_buffer buffer);
  asio::awaitable<std::tuple<std::error_code, std::string>> read_all_op(std::size_t limit);

  bool send_now(detail::write_buffers& out, std::error_code& ec);
  asio::awaitable<std::tuple<std::error_code, std::size_t>> start_write(detail::write_buffers& out);
  asio::awaitable<std::tuple<std::error_code, std::size_t>> start_read(char* data, std::size_t size);
  std::error_code written(const std::tuple<std::error_code, std::size_t>& result) noexcept;
  asio::awaitable<std::error_code> write_streaming_body(request_body::source& source, bool chunked,
                                                        std::optional<std::uint64_t> declared_length);
  asio::awaitable<std::tuple<std::error_code, std::size_t>> start_fill();
  std::error_code filled(const std::tuple<std::error_code, std::size_t>& result) noexcept;
  asio::awaitable<std::error_code> wait_for_continue();
  std::error_code end_of_input(std::error_code read_error) noexcept;
  void arm(std::optional<std::chrono::milliseconds> timeout);
  std::error_code disarm(std::error_code ec) noexcept;
  std::error_code fail(std::error_code ec) noexcept;
  std::error_code skip_interim() noexcept;
  void finish_if_complete() noexcept;
  void finish_response() noexcept;

  executor_type executor_;
  connection_options options_;
  asio::ssl::context* tls_context_ = nullptr;
  std::optional<Stream> stream_;
  httpc::tls_session session_to_offer_;  // TLS: for the next connect only
  [[no_unique_address]] std::conditional_t<is_tls, detail::tls_pipe, detail::no_tls_pipe> tls_;
  asio::steady_timer timer_;
  // What a timer's handler may touch: it can run after the connection is
  // gone (an expiry already queued when the operation completed), so it
  // holds this weakly, never the connection.
  struct timer_state {
    std::uint64_t generation = 0;
    bool timed_out = false;
    asio::ip::tcp::socket* socket = nullptr;
  };
  std::shared_ptr<timer_state> timer_state_ = std::make_shared<timer_state>();
  std::optional<clock::time_point> deadline_;
  state state_ = state::closed;
  std::string host_;
  std::uint16_t port_ = 0;
  std::string request_head_;  // serialized request, capacity kept across requests
  response_reader reader_;  // the receive buffer and the parser
  std::string_view pending_;  // body bytes parsed, not yet handed out (in reader_)
  bool head_ready_ = false;  // an Expect: 100-continue wait read the final head already
  bool close_after_ = false;  // the body was held back: the connection ends with the response
  bool tunnel_request_ = false;  // CONNECT: a 2xx leaves the connection to the tunnel
  bool wrote_request_ = false;  // some of the last request may have reached the socket
  std::uint8_t socks_reply_ = 0;  // a SOCKS5 proxy's failure code
  std::size_t interim_count_ = 0;  // 1xx responses to the last request
  std::string tunnel_refusal_;
};

/// A response: its head, and its body read as a stream. Refers to its
/// connection: valid while the connection lives and until its next request.
/// Read it to the end (or `async_discard` it) before the next request.
template <class Stream>
class basic_response {
 public:
  basic_response() = default;
  basic_response(basic_response&& other) noexcept : connection_(other.connection_) {
    other.connection_ = nullptr;
  }
  basic_response& operator=(basic_response&& other) noexcept {
    connection_ = other.connection_;
    other.connection_ = nullptr;
    return *this;
  }

  int status() const noexcept { return parser().status(); }
  std::string_view reason() const noexcept { return parser().reason(); }
  int version() const noexcept { return parser().version(); }
  /// The first field of that name (case-insensitive), trimmed.
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return parser().fields().find(name);
  }
  field_view fields() const noexcept { return parser().fields(); }
  /// The head, owned (one allocation): for a caller that keeps it past the
  /// next request.
  response_head owned_head() const { return response_head(parser()); }
  /// Trailer fields of a chunked body, once it was read to the end.
  field_view trailers() const noexcept { return parser().trailers(); }
  body_framing framing() const noexcept { return parser().framing(); }
  std::optional<std::uint64_t> content_length() const noexcept { return parser().content_length(); }
  bool keep_alive() const noexcept { return parser().keep_alive(); }
  /// The whole body was read.
  bool done() const noexcept { return parser().done(); }
  /// The head as received, from the status line to the empty line.
  std::string_view head() const noexcept {
    return connection_->reader_.head();
  }

  /// Reads body bytes into `buffer`: at most its size, 0 at the end. A large
  /// identity body goes straight from the socket into `buffer`.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_read_some(asio::mutable_buffer buffer, CompletionToken&& token = {});
  /// The next body bytes, as a view of the receive buffer valid until the
  /// next call; empty at the end. No copy.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_next(CompletionToken&& token = {});
  /// The rest of the body; more than `limit` bytes is error::body_too_large.
  template <class CompletionToken = asio::use_awaitable_t<>>
    requires detail::token_for<CompletionToken, void(std::error_code, std::string)>
  auto async_read_all(CompletionToken&& token = {}) {
    return async_read_all(std::numeric_limits<std::size_t>::max(),
                          std::forward<CompletionToken>(token));
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_read_all(std::size_t limit, CompletionToken&& token = {});
  /// Reads and drops the rest of the body, so the connection can be reused.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_discard(CompletionToken&& token = {});

 private:
  friend class basic_connection<Stream>;
  explicit basic_response(basic_connection<Stream>* connection) noexcept
      : connection_(connection) {}
  const response_parser& parser() const noexcept { return connection_->reader_.parser(); }

  basic_connection<Stream>* connection_ = nullptr;
};

using connection = basic_connection<asio::ip::tcp::socket>;
using tls_connection = basic_connection<asio::ssl::stream<asio::ip::tcp::socket>>;
using response = basic_response<asio::ip::tcp::socket>;
using tls_response = basic_response<asio::ssl::stream<asio::ip::tcp::socket>>;

extern template class basic_connection<asio::ip::tcp::socket>;
extern template class basic_connection<asio::ssl::stream<asio::ip::tcp::socket>>;

}  // namespace httpc

#include "httpc/impl/connection.hpp"
