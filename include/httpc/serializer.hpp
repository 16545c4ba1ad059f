#pragma once
/// \file
/// The request serializer: the bytes of an HTTP/1.1 request head, and the
/// framing of a chunked body. No I/O: every function appends to a
/// `std::string` of the caller's, which keeps its capacity from one request
/// to the next, so a warmed-up buffer serializes with no allocation.
///
/// The automatic fields are CPython 3.11 `http.client`'s, in its order:
///
///     METHOD target HTTP/1.1
///     Host: ...                      unless skipped or given by the caller
///     Accept-Encoding: identity      unless skipped or given by the caller
///     Content-Length: N              \  from the body kind, unless the caller
///     Transfer-Encoding: chunked     /  gave Content-Length or Transfer-Encoding
///     <the caller's fields, in order, repeats kept>
///
/// Everything is checked before a byte is appended (see httpc/fields.hpp for
/// the rules); on error `out` is left as it was.

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint16_t, std::uint64_t, std::uint8_t
#include <optional>      // std::optional, the caller's Content-Length
#include <span>          // std::span, the values of one field
#include <string>        // std::string, the output buffer
#include <string_view>   // std::string_view, every input
#include <system_error>  // std::error_code

#include "httpc/error.hpp"   // httpc::error, the codes set on refusal
#include "httpc/fields.hpp"  // httpc::Headers

namespace httpc {

/// What follows the head, as the caller knows it before sending.
enum class body_kind : unsigned char {
  none,       ///< no body at all (not the same as an empty one)
  sized,      ///< exactly `request_head::content_length` bytes (0: an empty body)
  streaming,  ///< pieces of a length not known up front (a stream, a chunk source)
};

/// How the caller must send the body bytes once the head is out.
enum class body_encoding : unsigned char {
  none,     ///< nothing follows the head
  raw,      ///< the bytes as they are (framed by Content-Length, or by the caller's own fields)
  chunked,  ///< each non-empty piece as chunk_header, the bytes, chunk_end; then last_chunk
};

/// One request head. Views only: nothing is kept after the call.
struct request_head {
  std::string_view method;  ///< a token, sent as given ("GET", "POST", ...)
  /// Origin-form ("/path?q"), absolute-form ("http://host/path", for a
  /// proxy) or "*". Empty means "/", as in CPython.
  std::string_view target;
  /// For the Host field: a name, an IPv4 literal, or an IPv6 literal with or
  /// without brackets (a zone id, "%eth0", is left out of Host), no port.
  /// With an absolute-form target, Host is the target's authority instead.
  std::string_view host;
  std::uint16_t port = 0;  ///< 0 or the scheme's default port: no ":port" in Host
  bool tls = false;        ///< the scheme: https (default port 443) or http (80)
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;  ///< the size of a `body_kind::sized` body
  /// CPython's `encode_chunked`: send the body chunked although the caller's
  /// own Transfer-Encoding field frames it. Ignored otherwise, as in CPython.
  bool encode_chunked = false;
  bool skip_host = false;             ///< never add Host (putrequest's skip_host)
  bool skip_accept_encoding = false;  ///< never add Accept-Encoding (skip_accept_encoding)
  /// The caller's framing fields must agree with the body, so that the
  /// caller's input can never make the server see a second request
  /// (smuggling): a Content-Length must be one number equal to a sized
  /// body's size (0 without a body); Transfer-Encoding may only be
  /// "chunked", beside no Content-Length, for a body, which is then
  /// chunk-encoded here. Else error::invalid_request_framing. The core and
  /// the pool set it; the facade keeps CPython's pass-through.
  bool strict_framing = false;
};

/// Appends a whole request head for `request()`: the request line, the
/// automatic fields (see the file comment), `headers`, the empty line.
/// A body of kind none gets `Content-Length: 0` only when the method is
/// POST, PUT or PATCH (any case), as CPython does.
/// Returns how the body is to be sent. On error `ec` is set (invalid_method,
/// invalid_target, invalid_url for the host, invalid_header_name,
/// invalid_header_value), `out` is unchanged, and the result is `none`.
body_encoding write_request(std::string& out, const request_head& head, const Headers& headers,
                            std::error_code& ec);
/// As above; throws std::system_error on error.
body_encoding write_request(std::string& out, const request_head& head, const Headers& headers);

/// The caller's Content-Length: one value of digits, repeated fields (or a
/// list) only with equal values. Empty without one; error::bad_content_length
/// in `ec` when there is one that is not that.
std::optional<std::uint64_t> content_length_field(const Headers& headers, std::error_code& ec) noexcept;

/// Appends what CPython's `putrequest` sends: the request line, then Host and
/// Accept-Encoding unless skipped. The body fields of `head` are not used.
/// Fields follow with write_field, and write_head_end ends the head.
void write_request_start(std::string& out, const request_head& head, std::error_code& ec);
/// As above; throws std::system_error on error.
void write_request_start(std::string& out, const request_head& head);

/// Appends one field line, "Name: value\r\n".
void write_field(std::string& out, std::string_view name, std::string_view value,
                 std::error_code& ec);
/// As above; throws std::system_error on error.
void write_field(std::string& out, std::string_view name, std::string_view value);

/// Appends one field with several values as continuation lines, as
/// CPython's `putheader` does: "Name: v1\r\n\tv2\r\n". No value: "Name: \r\n".
void write_field(std::string& out, std::string_view name, std::span<const std::string_view> values,
                 std::error_code& ec);
/// As above; throws std::system_error on error.
void write_field(std::string& out, std::string_view name, std::span<const std::string_view> values);

/// Appends the empty line that ends a head.
void write_head_end(std::string& out);

/// Appends a CONNECT request for a tunnel through a proxy, as CPython 3.11's
/// `_tunnel` sends it: "CONNECT host:port HTTP/1.0\r\n", `headers` (e.g.
/// Proxy-Authorization) in order, the empty line; no Host field is added.
/// An IPv6 literal gets brackets (authority-form, RFC 9110 §9.3.6; 3.11
/// omits them, 3.12 adds them). Errors as write_request, `out` unchanged.
void write_connect(std::string& out, std::string_view host, std::uint16_t port,
                   const Headers& headers, std::error_code& ec);
/// As above; throws std::system_error on error.
void write_connect(std::string& out, std::string_view host, std::uint16_t port,
                   const Headers& headers);

/// The size line of one chunk (RFC 9112 §7.1), in a buffer of its own, for a
/// gather write: chunk_header(n), the n bytes, chunk_end. Hex digits are
/// upper case, as CPython sends them. A size of 0 would end the body: skip
/// empty pieces and send last_chunk at the end.
class chunk_header {
 public:
  constexpr explicit chunk_header(std::uint64_t size) noexcept {
    char digits[16] = {};
    std::size_t n = 0;
    do {
      digits[n++] = "0123456789ABCDEF"[size & 0xf];
      size >>= 4;
    } while (size != 0);
    for (std::size_t i = 0; i < n; ++i) buf_[i] = digits[n - 1 - i];
    buf_[n] = '\r';
    buf_[n + 1] = '\n';
    size_ = static_cast<std::uint8_t>(n + 2);
  }
  constexpr const char* data() const noexcept { return buf_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr std::string_view view() const noexcept { return {buf_, size_}; }

 private:
  char buf_[18] = {};  // 16 hex digits of a 64-bit size and CRLF
  std::uint8_t size_ = 0;
};

/// What follows the data of every chunk.
inline constexpr std::string_view chunk_end = "\r\n";

/// The end of a chunked body without trailer fields.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

/// Appends the end of a chunked body with trailer fields (RFC 9112 §7.1.2):
/// "0\r\n", the fields, the empty line. Errors as write_field, `out` unchanged.
void write_last_chunk(std::string& out, const Headers& trailers, std::error_code& ec);
/// As above; throws std::system_error on error.
void write_last_chunk(std::string& out, const Headers& trailers);

}  // namespace httpc
