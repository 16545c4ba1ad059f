#include "httpc/serializer.hpp"

#include <charconv>  // std::to_chars, numbers without allocating
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "httpc/fields.hpp"
#include "httpc/parser.hpp"  // httpc::iequals

namespace httpc {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view crlf = "\r\n"sv;

// Every head is produced twice by the same code: once into a counter, to
// reserve the exact size, then into the string. After the reserve nothing
// can throw, so `out` is either unchanged or complete.
class size_counter {
 public:
  void put(std::string_view s) noexcept { size_ += s.size(); }
  void put(std::uint64_t n) noexcept {
    do {
      ++size_;
      n /= 10;
    } while (n != 0);
  }
  std::size_t size() const noexcept { return size_; }

 private:
  std::size_t size_ = 0;
};

class appender {
 public:
  explicit appender(std::string& out) noexcept : out_(out) {}
  void put(std::string_view s) { out_.append(s); }
  void put(std::uint64_t n) {
    char digits[20];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out_.append(digits, end);
  }

 private:
  std::string& out_;
};

template <class Emit>
void emit(std::string& out, const Emit& produce) {
  size_counter counter;
  produce(counter);
  out.reserve(out.size() + counter.size());
  appender sink(out);
  produce(sink);
}

void throw_if(const std::error_code& ec) {
  if (ec) throw std::system_error(ec);
}

// --- Host -------------------------------------------------------------------

// A Host value or a CONNECT authority, in pieces that point into the input.
struct authority {
  bool bracket = false;        // add brackets around a bare IPv6 literal
  std::string_view address;    // up to a zone id, if any
  std::string_view rest;       // after the zone id: "]" or "]:8080"; else empty
  std::uint64_t port = 0;      // written as ":port" when has_port
  bool has_port = false;
};

// A zone id ("%eth0", RFC 6874) names an interface of this machine: it means
// nothing to the server, so it is left out, as CPython does. A host with a
// colon outside brackets is a bare IPv6 literal when `bare` says it is a
// host alone; in a URL's authority that colon starts the port.
authority split_zone(std::string_view host, bool bare) noexcept {
  authority a;
  a.address = host;
  if (!host.empty() && host.front() == '[') {
    const auto percent = host.find('%');
    if (percent == std::string_view::npos) return a;
    const auto close = host.find(']', percent);
    if (close == std::string_view::npos) return a;
    a.address = host.substr(0, percent);
    a.rest = host.substr(close);
  } else if (bare && host.find(':') != std::string_view::npos) {
    // A bare IPv6 literal: RFC 9110 §4.2.3 and RFC 3986 §3.2.2 want it in brackets.
    a.bracket = true;
    a.address = host.substr(0, host.find('%'));
  }
  return a;
}

// The connection's host and port, for Host: the port only when it is not the
// scheme's default (RFC 9110 §7.2; CPython compares with default_port).
authority host_authority(std::string_view host, std::uint16_t port, bool tls) noexcept {
  authority a = split_zone(host, true);
  const std::uint16_t default_port = tls ? 443 : 80;
  if (port != 0 && port != default_port) {
    a.port = port;
    a.has_port = true;
  }
  return a;
}

// The authority of an absolute-form target, or empty. CPython takes
// urlsplit(url).netloc when the target starts with "http"; RFC 9112 §3.2.2
// wants Host to be that authority without userinfo, so userinfo (and with it
// any credentials) is left out, where CPython would copy it.
std::string_view target_authority(std::string_view target) noexcept {
  if (target.substr(0, 4) != "http"sv) return {};
  const auto colon = target.find(':');
  if (colon == std::string_view::npos) return {};
  // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  for (const char ch : target.substr(0, colon)) {
    const bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    const bool digit = ch >= '0' && ch <= '9';
    if (!alpha && !digit && ch != '+' && ch != '-' && ch != '.') return {};
  }
  if (target.substr(colon + 1, 2) != "//"sv) return {};
  std::string_view netloc = target.substr(colon + 3);
  netloc = netloc.substr(0, netloc.find_first_of("/?#"));
  const auto at = netloc.rfind('@');
  if (at != std::string_view::npos) netloc = netloc.substr(at + 1);
  return netloc;
}

template <class Sink>
void put_authority(Sink& sink, const authority& a) {
  if (a.bracket) sink.put("["sv);
  sink.put(a.address);
  if (a.bracket) sink.put("]"sv);
  sink.put(a.rest);
  if (a.has_port) {
    sink.put(":"sv);
    sink.put(a.port);
  }
}

// --- Fields -----------------------------------------------------------------

std::error_code check_field(std::string_view name, std::string_view value) noexcept {
  if (!valid_header_name(name)) return error::invalid_header_name;
  if (!valid_header_value(value)) return error::invalid_header_value;
  return {};
}

std::error_code check_fields(const Headers& headers) noexcept {
  for (const auto& [name, value] : headers) {
    if (auto ec = check_field(name, value)) return ec;
  }
  return {};
}

template <class Sink>
void put_field(Sink& sink, std::string_view name, std::string_view value) {
  sink.put(name);
  sink.put(": "sv);
  sink.put(value);
  sink.put(crlf);
}

template <class Sink>
void put_fields(Sink& sink, const Headers& headers) {
  for (const auto& [name, value] : headers) put_field(sink, name, value);
}

// --- Request ----------------------------------------------------------------

// Everything write_request decided, once checked: then only bytes are left.
struct request_plan {
  std::string_view method;
  std::string_view target;
  bool host = false;
  authority host_value;
  bool accept_encoding = false;
  bool content_length = false;
  std::uint64_t length = 0;
  bool transfer_encoding = false;
};

// The request line and the fields putrequest adds, after the checks.
std::error_code plan_start(const request_head& head, bool caller_host, bool caller_accept_encoding,
                           request_plan& plan) noexcept {
  if (!valid_method(head.method)) return error::invalid_method;
  // CPython: url = url or '/'.
  plan.method = head.method;
  plan.target = head.target.empty() ? "/"sv : head.target;
  if (!valid_target(plan.target)) return error::invalid_target;

  plan.host = !head.skip_host && !caller_host;
  if (plan.host) {
    const std::string_view netloc = target_authority(plan.target);
    if (!netloc.empty()) {
      plan.host_value = split_zone(netloc, false);  // checked with the target
    } else {
      if (!valid_host(head.host)) return error::invalid_url;
      plan.host_value = host_authority(head.host, head.port, head.tls);
    }
  }
  // Only identity: the bytes as sent. The pool, when it decodes, gives the
  // field itself (content_decoding.hpp).
  plan.accept_encoding = !head.skip_accept_encoding && !caller_accept_encoding;
  return {};
}

template <class Sink>
void put_start(Sink& sink, const request_plan& plan) {
  sink.put(plan.method);
  sink.put(" "sv);
  sink.put(plan.target);
  sink.put(" HTTP/1.1\r\n"sv);
  if (plan.host) {
    sink.put("Host: "sv);
    put_authority(sink, plan.host_value);
    sink.put(crlf);
  }
  if (plan.accept_encoding) sink.put("Accept-Encoding: identity\r\n"sv);
}

// RFC 9110 §8.6: a user agent SHOULD send Content-Length: 0 without a body
// when the method defines a meaning for an enclosed content; CPython's
// _METHODS_EXPECTING_BODY names these three, compared upper-cased.
bool expects_body(std::string_view method) noexcept {
  return iequals(method, "POST"sv) || iequals(method, "PUT"sv) || iequals(method, "PATCH"sv);
}

// request_head::strict_framing: the caller's framing fields against the body.
std::error_code check_framing(const request_head& head, const Headers& headers, bool has_length,
                              bool has_te) noexcept {
  if (has_length && has_te) return error::invalid_request_framing;
  if (has_te) {
    for (const auto& [name, value] : headers)
      if (iequals(name, "Transfer-Encoding"sv) && !iequals(trim_ows(value), "chunked"sv))
        return error::invalid_request_framing;
    return head.body == body_kind::none ? error::invalid_request_framing : std::error_code{};
  }
  std::error_code ec;
  const auto length = content_length_field(headers, ec);
  if (ec) return error::invalid_request_framing;
  if (!length || head.body == body_kind::streaming) return {};  // the core counts a stream
  const std::uint64_t size = head.body == body_kind::sized ? head.content_length : 0;
  return *length == size ? std::error_code{} : make_error_code(error::invalid_request_framing);
}

}  // namespace

std::optional<std::uint64_t> content_length_field(const Headers& headers, std::error_code& ec) noexcept {
  ec.clear();
  std::optional<std::uint64_t> length;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "Content-Length"sv)) continue;
    // A list ("5, 5") counts as its members, as a recipient reads it.
    std::string_view rest = value;
    for (;;) {
      const std::size_t comma = rest.find(',');
      const std::string_view member = trim_ows(rest.substr(0, comma));
      std::uint64_t n = 0;
      const auto [end, failure] = std::from_chars(member.data(), member.data() + member.size(), n);
      if (member.empty() || member.front() < '0' || member.front() > '9' ||
          failure != std::errc{} || end != member.data() + member.size() || (length && *length != n)) {
        ec = error::bad_content_length;
        return std::nullopt;
      }
      length = n;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return length;
}

body_encoding write_request(std::string& out, const request_head& head, const Headers& headers,
                            std::error_code& ec) {
  ec.clear();
  bool has_host = false, has_accept_encoding = false, has_length = false, has_te = false;
  for (const auto& [name, value] : headers) {
    has_host = has_host || iequals(name, "Host"sv);
    has_accept_encoding = has_accept_encoding || iequals(name, "Accept-Encoding"sv);
    has_length = has_length || iequals(name, "Content-Length"sv);
    has_te = has_te || iequals(name, "Transfer-Encoding"sv);
  }

  request_plan plan;
  if ((ec = plan_start(head, has_host, has_accept_encoding, plan))) return body_encoding::none;
  if ((ec = check_fields(headers))) return body_encoding::none;

  // CPython's _send_request: framing fields only when the caller set neither;
  // a caller's Content-Length means the body goes as it is, a caller's
  // Transfer-Encoding means the caller frames it (or asks encode_chunked).
  body_encoding encoding = body_encoding::none;
  if (head.body != body_kind::none) {
    if (has_length) {
      encoding = body_encoding::raw;
    } else if (has_te) {
      encoding = head.encode_chunked ? body_encoding::chunked : body_encoding::raw;
    } else if (head.body == body_kind::sized) {
      plan.content_length = true;
      plan.length = head.content_length;
      encoding = body_encoding::raw;
    } else {
      plan.transfer_encoding = true;
      encoding = body_encoding::chunked;
    }
  } else if (!has_length && !has_te && expects_body(head.method)) {
    plan.content_length = true;
  }
  if (head.strict_framing) {
    if ((ec = check_framing(head, headers, has_length, has_te))) return body_encoding::none;
    if (has_te) encoding = body_encoding::chunked;
  }

  emit(out, [&](auto& sink) {
    put_start(sink, plan);
    if (plan.content_length) {
      sink.put("Content-Length: "sv);
      sink.put(plan.length);
      sink.put(crlf);
    }
    if (plan.transfer_encoding) sink.put("Transfer-Encoding: chunked\r\n"sv);
    put_fields(sink, headers);
    sink.put(crlf);
  });
  return encoding;
}

body_encoding write_request(std::string& out, const request_head& head, const Headers& headers) {
  std::error_code ec;
  const body_encoding encoding = write_request(out, head, headers, ec);
  throw_if(ec);
  return encoding;
}

void write_request_start(std::string& out, const request_head& head, std::error_code& ec) {
  request_plan plan;
  if ((ec = plan_start(head, false, false, plan))) return;
  emit(out, [&](auto& sink) { put_start(sink, plan); });
}

void write_request_start(std::string& out, const request_head& head) {
  std::error_code ec;
  write_request_start(out, head, ec);
  throw_if(ec);
}

void write_field(std::string& out, std::string_view name, std::string_view value,
                 std::error_code& ec) {
  if ((ec = check_field(name, value))) return;
  emit(out, [&](auto& sink) { put_field(sink, name, value); });
}

void write_field(std::string& out, std::string_view name, std::string_view value) {
  std::error_code ec;
  write_field(out, name, value, ec);
  throw_if(ec);
}

void write_field(std::string& out, std::string_view name, std::span<const std::string_view> values,
                 std::error_code& ec) {
  ec.clear();
  if (!valid_header_name(name)) {
    ec = error::invalid_header_name;
    return;
  }
  for (const std::string_view value : values) {
    if (!valid_header_value(value)) {
      ec = error::invalid_header_value;
      return;
    }
  }
  emit(out, [&](auto& sink) {
    sink.put(name);
    sink.put(": "sv);
    // CPython joins the values with "\r\n\t": an obs-fold (RFC 9112 §5.2),
    // which recipients replace with one space.
    bool first = true;
    for (const std::string_view value : values) {
      if (!first) sink.put("\r\n\t"sv);
      sink.put(value);
      first = false;
    }
    sink.put(crlf);
  });
}

void write_field(std::string& out, std::string_view name, std::span<const std::string_view> values) {
  std::error_code ec;
  write_field(out, name, values, ec);
  throw_if(ec);
}

void write_head_end(std::string& out) { out.append(crlf); }

void write_connect(std::string& out, std::string_view host, std::uint16_t port,
                   const Headers& headers, std::error_code& ec) {
  ec.clear();
  if (!valid_host(host)) {
    ec = error::invalid_url;
    return;
  }
  if ((ec = check_fields(headers))) return;
  authority target = split_zone(host, true);
  target.port = port;
  target.has_port = true;  // authority-form always names the port
  emit(out, [&](auto& sink) {
    sink.put("CONNECT "sv);
    put_authority(sink, target);
    // HTTP/1.0 and no Host, as CPython 3.11 sends it; proxies answer either.
    sink.put(" HTTP/1.0\r\n"sv);
    put_fields(sink, headers);
    sink.put(crlf);
  });
}

void write_connect(std::string& out, std::string_view host, std::uint16_t port,
                   const Headers& headers) {
  std::error_code ec;
  write_connect(out, host, port, headers, ec);
  throw_if(ec);
}

void write_last_chunk(std::string& out, const Headers& trailers, std::error_code& ec) {
  if ((ec = check_fields(trailers))) return;
  emit(out, [&](auto& sink) {
    sink.put("0\r\n"sv);
    put_fields(sink, trailers);
    sink.put(crlf);
  });
}

void write_last_chunk(std::string& out, const Headers& trailers) {
  std::error_code ec;
  write_last_chunk(out, trailers, ec);
  throw_if(ec);
}

}  // namespace httpc
