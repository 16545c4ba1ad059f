#pragma once
/// \file
/// Status codes and their reason phrases, as the facade's users know them
/// from Python: every name of Python 3.11's `http.HTTPStatus` (which holds
/// every name of the httplib 2.x table), plus the names Python 3.13 added
/// for codes 3.11 already has, and `responses`, code to phrase.
/// The phrases are 3.11's: `responses.at(413)` is "Request Entity Too Large".
///
/// The names are Python's upper-case spellings on purpose (docs/reference.md); they
/// are plain `int`s, so `response.status() == httpc::NOT_FOUND` reads as in
/// Python.

#include <algorithm>    // std::lower_bound, constexpr lookup
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint16_t, the port constants
#include <iterator>     // std::size
#include <string_view>  // std::string_view, the phrases
#include <utility>      // std::pair, the table's value_type

namespace httpc {

/// The default port of http (always 80).
inline constexpr std::uint16_t HTTP_PORT = 80;
/// The default port of https (always 443).
inline constexpr std::uint16_t HTTPS_PORT = 443;

// 1xx informational.
inline constexpr int CONTINUE = 100;             ///< RFC 9110 §15.2.1
inline constexpr int SWITCHING_PROTOCOLS = 101;  ///< RFC 9110 §15.2.2
inline constexpr int PROCESSING = 102;           ///< RFC 2518 §10.1 (WebDAV)
inline constexpr int EARLY_HINTS = 103;          ///< RFC 8297

// 2xx success.
inline constexpr int OK = 200;
inline constexpr int CREATED = 201;
inline constexpr int ACCEPTED = 202;
inline constexpr int NON_AUTHORITATIVE_INFORMATION = 203;
inline constexpr int NO_CONTENT = 204;
inline constexpr int RESET_CONTENT = 205;
inline constexpr int PARTIAL_CONTENT = 206;
inline constexpr int MULTI_STATUS = 207;      ///< RFC 4918 §11.1 (WebDAV)
inline constexpr int ALREADY_REPORTED = 208;  ///< RFC 5842 §7.1 (WebDAV)
inline constexpr int IM_USED = 226;           ///< RFC 3229 §10.4.1 (delta encoding)

// 3xx redirection.
inline constexpr int MULTIPLE_CHOICES = 300;
inline constexpr int MOVED_PERMANENTLY = 301;
inline constexpr int FOUND = 302;
inline constexpr int SEE_OTHER = 303;
inline constexpr int NOT_MODIFIED = 304;
inline constexpr int USE_PROXY = 305;
inline constexpr int TEMPORARY_REDIRECT = 307;
inline constexpr int PERMANENT_REDIRECT = 308;  ///< RFC 9110 §15.4.9

// 4xx client error.
inline constexpr int BAD_REQUEST = 400;
inline constexpr int UNAUTHORIZED = 401;
inline constexpr int PAYMENT_REQUIRED = 402;
inline constexpr int FORBIDDEN = 403;
inline constexpr int NOT_FOUND = 404;
inline constexpr int METHOD_NOT_ALLOWED = 405;
inline constexpr int NOT_ACCEPTABLE = 406;
inline constexpr int PROXY_AUTHENTICATION_REQUIRED = 407;
inline constexpr int REQUEST_TIMEOUT = 408;
inline constexpr int CONFLICT = 409;
inline constexpr int GONE = 410;
inline constexpr int LENGTH_REQUIRED = 411;
inline constexpr int PRECONDITION_FAILED = 412;
inline constexpr int REQUEST_ENTITY_TOO_LARGE = 413;
inline constexpr int CONTENT_TOO_LARGE = 413;  ///< Python 3.13's name (RFC 9110)
inline constexpr int REQUEST_URI_TOO_LONG = 414;
inline constexpr int URI_TOO_LONG = 414;  ///< Python 3.13's name (RFC 9110)
inline constexpr int UNSUPPORTED_MEDIA_TYPE = 415;
inline constexpr int REQUESTED_RANGE_NOT_SATISFIABLE = 416;
inline constexpr int RANGE_NOT_SATISFIABLE = 416;  ///< Python 3.13's name (RFC 9110)
inline constexpr int EXPECTATION_FAILED = 417;
inline constexpr int IM_A_TEAPOT = 418;          ///< RFC 2324 §2.3.2
inline constexpr int MISDIRECTED_REQUEST = 421;  ///< RFC 9110 §15.5.20
inline constexpr int UNPROCESSABLE_ENTITY = 422;
inline constexpr int UNPROCESSABLE_CONTENT = 422;  ///< Python 3.13's name (RFC 9110)
inline constexpr int LOCKED = 423;                 ///< RFC 4918 §11.3 (WebDAV)
inline constexpr int FAILED_DEPENDENCY = 424;      ///< RFC 4918 §11.4 (WebDAV)
inline constexpr int TOO_EARLY = 425;              ///< RFC 8470 §5.2
inline constexpr int UPGRADE_REQUIRED = 426;
inline constexpr int PRECONDITION_REQUIRED = 428;            ///< RFC 6585 §3
inline constexpr int TOO_MANY_REQUESTS = 429;                ///< RFC 6585 §4
inline constexpr int REQUEST_HEADER_FIELDS_TOO_LARGE = 431;  ///< RFC 6585 §5
inline constexpr int UNAVAILABLE_FOR_LEGAL_REASONS = 451;    ///< RFC 7725 §3

// 5xx server error.
inline constexpr int INTERNAL_SERVER_ERROR = 500;
inline constexpr int NOT_IMPLEMENTED = 501;
inline constexpr int BAD_GATEWAY = 502;
inline constexpr int SERVICE_UNAVAILABLE = 503;
inline constexpr int GATEWAY_TIMEOUT = 504;
inline constexpr int HTTP_VERSION_NOT_SUPPORTED = 505;
inline constexpr int VARIANT_ALSO_NEGOTIATES = 506;          ///< RFC 2295 §8.1
inline constexpr int INSUFFICIENT_STORAGE = 507;             ///< RFC 4918 §11.5 (WebDAV)
inline constexpr int LOOP_DETECTED = 508;                    ///< RFC 5842 §7.2 (WebDAV)
inline constexpr int NOT_EXTENDED = 510;                     ///< RFC 2774 §7
inline constexpr int NETWORK_AUTHENTICATION_REQUIRED = 511;  ///< RFC 6585 §6

namespace detail {

/// Throws std::out_of_range naming the code (out of line: keeps <stdexcept>
/// and the message out of this header).
[[noreturn]] void throw_unknown_status(int code);

/// Python 3.11's HTTPStatus phrases, sorted by code.
inline constexpr std::pair<int, std::string_view> status_phrases[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a Teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
};

}  // namespace detail

/// A read-only map from status code to reason phrase, usable at compile
/// time, with the const interface of `std::map<int, std::string_view>`:
/// at, find, contains, count, size, begin, end; iteration in code order
/// yields pairs (`.first` the code, `.second` the phrase).
class status_table {
 public:
  using key_type = int;
  using mapped_type = std::string_view;
  using value_type = std::pair<int, std::string_view>;
  using size_type = std::size_t;
  using const_iterator = const value_type*;
  using iterator = const_iterator;

  /// A table over `size` entries sorted by code, which must outlive it.
  constexpr status_table(const value_type* entries, size_type size) noexcept
      : entries_(entries), size_(size) {}

  constexpr const_iterator begin() const noexcept { return entries_; }
  constexpr const_iterator end() const noexcept { return entries_ + size_; }
  constexpr size_type size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }

  /// The entry of `code`, or end().
  constexpr const_iterator find(int code) const noexcept {
    const auto it = std::lower_bound(begin(), end(), code,
                                     [](const value_type& e, int c) { return e.first < c; });
    return it != end() && it->first == code ? it : end();
  }
  constexpr bool contains(int code) const noexcept { return find(code) != end(); }
  constexpr size_type count(int code) const noexcept { return contains(code) ? 1 : 0; }

  /// The phrase of `code`; throws std::out_of_range for a code not in the
  /// table (Python's `responses[code]` raises KeyError).
  constexpr std::string_view at(int code) const {
    const const_iterator it = find(code);
    if (it == end()) detail::throw_unknown_status(code);
    return it->second;
  }
  /// Same as at(): Python's `responses[code]`.
  constexpr std::string_view operator[](int code) const { return at(code); }

 private:
  const value_type* entries_;
  size_type size_;
};

/// Code to reason phrase, as Python's `http.client.responses`:
/// `httpc::responses.at(httpc::NOT_FOUND) == "Not Found"`.
inline constexpr status_table responses{detail::status_phrases,
                                        std::size(detail::status_phrases)};

}  // namespace httpc
