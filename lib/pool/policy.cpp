// The pool's rules: when a failed request is sent again, and how a
// redirect changes the request.

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <random>

#include "pool_internal.hpp"

namespace httpc::detail {
namespace {

// RFC 9110 §9.2.2.
bool is_idempotent(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

// What a kept-alive connection that the server closed meanwhile looks like.
bool is_stale_connection_error(const std::error_code& ec) noexcept {
  return ec == error::remote_disconnected || ec == std::errc::connection_reset ||
         ec == std::errc::broken_pipe || ec == std::errc::connection_aborted ||
         ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

// A request the server tolerates twice (Go's net/http: the method, or an
// idempotency key field of the IETF draft and its X- form).
bool may_repeat(std::string_view method, const Headers& headers, const request_options& options) noexcept {
  return is_idempotent(method) || options.idempotent || find_header(headers, "Idempotency-Key") ||
         find_header(headers, "X-Idempotency-Key");
}

// What may pass if tried again: curl's list of statuses; a connection
// refused, cut or timed out; a lookup that says to try again.
bool is_transient_status(int status) noexcept {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_transient_error(const std::error_code& ec) noexcept {
  return is_stale_connection_error(ec) || ec == std::errc::connection_refused || ec == std::errc::timed_out ||
         ec == std::errc::host_unreachable || ec == std::errc::network_unreachable ||
         ec == std::errc::network_down || ec == asio::error::host_not_found_try_again ||
         ec == error::incomplete_head || ec == error::incomplete_body;
}

// The wait after attempt `attempt`: the backoff doubled per attempt before,
// capped, then drawn from its upper half.
clock::duration backoff_after(const retry_policy& policy, unsigned attempt) {
  auto ceiling = std::min(policy.backoff, policy.max_backoff);
  for (unsigned i = 1; i < attempt && ceiling.count() > 0 && ceiling < policy.max_backoff; ++i)
    ceiling = std::min(ceiling * 2, policy.max_backoff);
  const auto half = std::chrono::duration_cast<clock::duration>(ceiling) / 2;
  thread_local std::minstd_rand random(std::random_device{}());
  std::uniform_int_distribution<clock::rep> spread(0, half.count());
  return half + clock::duration(spread(random));
}

// RFC 9110 §5.6.7: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the
// obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov
// 6 08:49:37 1994") forms, read as their parts in any of those orders.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
  static constexpr std::array<std::string_view, 12> months{"jan", "feb", "mar", "apr", "may", "jun",
                                                           "jul", "aug", "sep", "oct", "nov", "dec"};
  int day = 0, month = 0, year = -1, hour = -1, minute = 0, second = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',' || text[i] == '-') {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != ',' && text[end] != '-') ++end;
    const std::string_view part = text.substr(i, end - i);
    i = end;
    int value = 0;
    const auto [rest, failure] = std::from_chars(part.data(), part.data() + part.size(), value);
    const auto two_digits = [&](std::size_t at) {
      const bool digits = part[at] >= '0' && part[at] <= '9' && part[at + 1] >= '0' && part[at + 1] <= '9';
      return digits ? (part[at] - '0') * 10 + (part[at + 1] - '0') : 99;
    };
    if (part.size() == 8 && part[2] == ':' && part[5] == ':') {
      hour = two_digits(0);
      minute = two_digits(3);
      second = two_digits(6);
    } else if (failure == std::errc{} && rest == part.data() + part.size()) {
      if (part.size() <= 2 && day == 0)
        day = value;
      else
        year = part.size() == 2 ? value + (value < 70 ? 2000 : 1900) : value;
    } else if (part.size() == 3 && month == 0) {
      for (std::size_t m = 0; m < months.size(); ++m)
        if (iequals(part, months[m])) month = static_cast<int>(m) + 1;
    }
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (year < 0 || hour < 0 || hour > 23 || minute > 59 || second > 60 || !date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

// RFC 9110 §10.2.3: seconds, or a date; a date past is no wait.
std::optional<clock::duration> parse_retry_after(std::string_view value) {
  std::uint32_t seconds = 0;
  const auto [end, failure] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (end == value.data() + value.size() && !value.empty()) {
    if (failure == std::errc{}) return std::chrono::seconds(seconds);
    if (failure == std::errc::result_out_of_range) return clock::duration::max();
  }
  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  // In seconds: a date far ahead does not fit the clock's nanoseconds.
  const auto ahead = *date - std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (ahead <= std::chrono::seconds::zero()) return clock::duration::zero();
  if (ahead > std::chrono::duration_cast<std::chrono::seconds>(clock::duration::max())) return clock::duration::max();
  return ahead;
}

void drop_fields(Headers& headers, std::initializer_list<std::string_view> names) {
  std::erase_if(headers, [&](const auto& field) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(field.first, n); });
  });
}

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) noexcept {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// RFC 9110 §15.4.4: 303 asks for a GET (HEAD stays); §15.4.2, §15.4.3: a
// POST may become a GET after 301 and 302, as browsers and Go do.
bool becomes_get(int status, std::string_view method) noexcept {
  return (status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST");
}

// Sent again when the server cannot have acted on it (nothing of it went
// out), or may act twice (idempotent); once only, and only on a kept-alive
// connection: a fresh one that fails says something about the server.
bool may_retry(const request_spec& spec, const exchange& x, bool reused, bool resendable) noexcept {
  return reused && x.before_response && is_stale_connection_error(x.ec) && resendable &&
         (!x.wrote || may_repeat(spec.method_now(), spec.headers, spec.options));
}

bool may_send_twice(const request_spec& spec, bool resendable) noexcept {
  return resendable && may_repeat(spec.method_now(), spec.headers, spec.options);
}

// Nothing written can go again whatever it is; else it must be repeatable.
std::optional<clock::duration> retry_after_error(const request_spec& spec, const exchange& x,
                                                 const retry_policy& policy, bool resendable) {
  if (x.attempt >= policy.attempts || !is_transient_error(x.ec) || !resendable) return std::nullopt;
  if (x.wrote && !may_send_twice(spec, resendable)) return std::nullopt;
  return backoff_after(policy, x.attempt);
}

std::optional<clock::duration> retry_after_status(const retry_policy& policy, unsigned attempt, int status,
                                                  std::optional<std::string_view> retry_after) {
  if (attempt >= policy.attempts || !is_transient_status(status)) return std::nullopt;
  if ((status == 429 || status == 503) && retry_after) {
    if (const auto asked = parse_retry_after(*retry_after)) {
      if (*asked > policy.max_retry_after) return std::nullopt;
      return *asked;
    }
  }
  return backoff_after(policy, attempt);
}

std::error_code follow_redirect(request_spec& spec, url& current, request_body& body, const exchange& x) {
  std::error_code ec;
  const auto location = x.head.header("Location");
  url next = resolve_url(current, *location, ec, url_options{spec.options.basic_auth});
  if (ec) return ec;
  // What TLS protected must not go out in clear text unasked.
  const bool downgrade = current.is_tls() && !next.is_tls();
  if (downgrade && !spec.options.allow_insecure_redirects) return make_error_code(error::insecure_redirect);
  // RFC 9110 §15.4: credentials are for the origin they were given to
  // (and an https to http redirect changes the origin); a caller's Host
  // names the old one. A Location with user information replaces the
  // Authorization, but never into clear text.
  if (!next.same_origin(current))
    drop_fields(spec.headers, {"Authorization", "Proxy-Authorization", "Cookie", "Host"});
  if (next.has_userinfo) {
    drop_fields(spec.headers, {"Authorization"});
    if (!downgrade) spec.headers.emplace_back("Authorization", basic_authorization(next.user, next.password));
  }
  if (becomes_get(x.head.status(), spec.method_now())) {
    // RFC 9110 §15.4: the body goes, and the fields that describe it.
    spec.became_get = true;
    body = request_body{};
    drop_fields(spec.headers, {"Content-Length", "Transfer-Encoding", "Content-Type", "Content-Encoding",
                               "Content-Language", "Content-Location", "Expect"});
  }
  current = std::move(next);
  return {};
}

}  // namespace httpc::detail
