#pragma once
/// \file
/// Small things every layer shares: the header list type of the public API
/// and the checks that keep a request from carrying bytes that would change
/// its meaning on the wire (request smuggling, header injection).
///
/// The checks are the rules of docs/reference.md ("Fields"), stricter than CPython's:
/// methods and field names must be RFC 9110 tokens; field values may hold
/// no control byte but HTAB; a target or host no space, control byte, DEL
/// or (as CPython does not IDNA-encode here) byte above 0x7F.

#include <string>       // std::string, the Headers element
#include <string_view>  // std::string_view, every check's input
#include <utility>      // std::pair, the Headers element
#include <vector>       // std::vector, Headers

namespace httpc {

/// Header fields as the user writes them: name and value, in order, repeats kept.
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace detail {

/// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
/// "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
constexpr bool is_tchar(unsigned char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

/// A byte that may appear in a request target or a host: visible ASCII.
constexpr bool is_url_byte(unsigned char c) noexcept { return c > 0x20 && c < 0x7f; }

}  // namespace detail

/// True for an RFC 9110 token: one or more tchar.
constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!detail::is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// `value` without leading and trailing whitespace (RFC 9110 §5.6.3 OWS:
/// spaces and tabs).
constexpr std::string_view trim_ows(std::string_view value) noexcept {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

namespace detail {

/// Pops the next non-empty element of a comma-separated list (RFC 9110
/// §5.6.1), trimmed; empty when the list is used up.
constexpr std::string_view next_list_element(std::string_view& list) noexcept {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    if (!element.empty()) return element;
  }
  return {};
}

}  // namespace detail

/// A request method: RFC 9110 §9.1, method = token. Case is kept as given.
constexpr bool valid_method(std::string_view method) noexcept { return is_token(method); }

/// A field name: RFC 9110 §5.1, field-name = token.
constexpr bool valid_header_name(std::string_view name) noexcept { return is_token(name); }

/// A field value: no control byte but HTAB (CR, LF, NUL, DEL and the rest
/// are refused); obs-text (0x80-0xFF) is allowed, as RFC 9110 §5.5 does.
/// May be empty.
constexpr bool valid_header_value(std::string_view value) noexcept {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

/// A request target: not empty; no byte <= 0x20 (controls, space), no DEL,
/// no byte above 0x7F. Anything else is left to the server, as CPython does.
constexpr bool valid_target(std::string_view target) noexcept {
  if (target.empty()) return false;
  for (const char c : target) {
    if (!detail::is_url_byte(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// A host as it is given to a connection (a name, an IPv4 literal, an IPv6
/// literal with or without brackets): not empty, and the bytes of a target.
constexpr bool valid_host(std::string_view host) noexcept { return valid_target(host); }

}  // namespace httpc
