// Parses responses from memory with httpc's parser and with nodejs
// http-parser, side by side, and prints each one's rate and their ratio.
//
//   httpc-bench-parser [seconds-per-measurement]
//
// Output: one line per parser and corpus entry, then `ratio <entry> <x>`
// lines (httpc's responses/s over http-parser's) for scripts to read.

#include <http_parser.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "httpc/parser.hpp"

namespace {

struct corpus_entry {
  std::string name;
  std::string bytes;
};

std::vector<corpus_entry> make_corpus() {
  std::vector<corpus_entry> corpus;
  corpus.push_back({"small_head",
                    "HTTP/1.1 200 OK\r\n"
                    "Server: nginx/1.22.1\r\n"
                    "Date: Sun, 22 Nov 2026 21:42:17 GMT\r\n"
                    "Content-Type: text/html\r\n"
                    "Content-Length: 0\r\n"
                    "Connection: keep-alive\r\n"
                    "Accept-Ranges: bytes\r\n"
                    "\r\n"});

  std::string big = "HTTP/1.1 200 OK\r\n";
  big += "Server: nginx/1.22.1\r\nDate: Sun, 22 Nov 2026 21:42:17 GMT\r\n";
  big += "Content-Type: text/html; charset=utf-8\r\nContent-Length: 0\r\n";
  big += "Connection: keep-alive\r\nCache-Control: private, max-age=0, must-revalidate\r\n";
  big += "Vary: Accept-Encoding, Cookie, Authorization\r\nX-Frame-Options: SAMEORIGIN\r\n";
  big += "X-Content-Type-Options: nosniff\r\nStrict-Transport-Security: max-age=31536000; includeSubDomains\r\n";
  big += "ETag: \"5f3c1a2b-264\"\r\nLast-Modified: Sat, 21 Nov 2026 10:00:00 GMT\r\n";
  for (int i = 0; i < 8; ++i)
    big += fmt::format(
        "Set-Cookie: session_{}=a3f9c2e1b7d04f6e8a1b2c3d4e5f60718293a4b5c6d7e8f9; Path=/; "
        "Expires=Mon, 23 Nov 2026 21:42:17 GMT; HttpOnly\r\n",
        i);
  big += "X-Request-Id: 7c9e6679-7425-40de-944b-e07fc1f90ae7\r\nX-Runtime: 0.004211\r\n";
  big += "Referrer-Policy: strict-origin-when-cross-origin\r\n";
  big += "\r\n";
  corpus.push_back({"cookie_head", big});

  std::string chunked =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/octet-stream\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 128; ++i) chunked += "40\r\n" + std::string(64, static_cast<char>('a' + i % 26)) + "\r\n";
  chunked += "0\r\n\r\n";
  corpus.push_back({"chunked_body", chunked});

  std::string length =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: 65536\r\n\r\n";
  length += std::string(65536, 'x');
  corpus.push_back({"length_body", length});
  return corpus;
}

// What a caller keeps of each message: enough that neither parser's work can
// be optimised away.
struct digest {
  std::size_t fields = 0;
  std::size_t body = 0;
  int status = 0;
};

std::size_t parse_httpc(httpc::response_parser& parser, std::string_view input, digest& d) {
  parser.reset();
  std::error_code ec;
  for (;;) {
    const auto r = parser.parse(input, ec);
    if (ec) return 0;
    input.remove_prefix(r.consumed);
    switch (r.event) {
      case httpc::parse_event::head:
        d.status += parser.status();
        d.fields += parser.fields().size();
        break;
      case httpc::parse_event::body:
        d.body += parser.body().size();
        break;
      case httpc::parse_event::done:
        return 1;
      case httpc::parse_event::need_more:
        return 0;
      case httpc::parse_event::interim:
        break;
    }
  }
}

// Where each field's name and value are, as httpc's parser records them.
struct http_parser_sink {
  digest* d;
  const char* names[128];
  std::size_t sizes[128];
  const char* values[128];
  std::size_t value_sizes[128];
  std::size_t count = 0;
  bool complete = false;
};

int on_field(http_parser* p, const char* at, std::size_t n) {
  auto* s = static_cast<http_parser_sink*>(p->data);
  if (s->count < 128) {
    s->names[s->count] = at;
    s->sizes[s->count] = n;
  }
  ++s->count;
  return 0;
}
int on_value(http_parser* p, const char* at, std::size_t n) {
  auto* s = static_cast<http_parser_sink*>(p->data);
  if (s->count != 0 && s->count <= 128) {
    s->values[s->count - 1] = at;
    s->value_sizes[s->count - 1] = n;
  }
  return 0;
}
int on_body(http_parser* p, const char*, std::size_t n) {
  static_cast<http_parser_sink*>(p->data)->d->body += n;
  return 0;
}
int on_headers_complete(http_parser* p) {
  auto* s = static_cast<http_parser_sink*>(p->data);
  s->d->status += static_cast<int>(p->status_code);
  s->d->fields += s->count;
  return 0;
}
int on_complete(http_parser* p) {
  static_cast<http_parser_sink*>(p->data)->complete = true;
  return 0;
}

std::size_t parse_http_parser(const http_parser_settings& settings, std::string_view input,
                              digest& d) {
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  http_parser_sink sink{&d, {}, {}, {}, {}, 0, false};
  parser.data = &sink;
  const auto n = http_parser_execute(&parser, &settings, input.data(), input.size());
  return n == input.size() && sink.complete ? 1 : 0;
}

// Responses per second over one stretch of about `seconds`.
template <class Parse>
double rate(double seconds, Parse&& parse) {
  using clock = std::chrono::steady_clock;
  std::size_t done = 0;
  const auto start = clock::now();
  const auto budget = std::chrono::duration<double>(seconds);
  auto elapsed = clock::duration{};
  while (elapsed < budget) {
    for (int i = 0; i < 64; ++i) done += parse();
    elapsed = clock::now() - start;
  }
  return static_cast<double>(done) / std::chrono::duration<double>(elapsed).count();
}

// The best rate of each parser over rounds that alternate between them, so
// that a machine busy with something else slows both alike.
template <class Ours, class Theirs>
std::pair<double, double> measure(double seconds, Ours&& ours, Theirs&& theirs) {
  constexpr int rounds = 7;
  double best_ours = 0;
  double best_theirs = 0;
  for (int round = 0; round < rounds; ++round) {
    best_ours = std::max(best_ours, rate(seconds / (2 * rounds), ours));
    best_theirs = std::max(best_theirs, rate(seconds / (2 * rounds), theirs));
  }
  return {best_ours, best_theirs};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_header_field = on_field;
  settings.on_header_value = on_value;
  settings.on_headers_complete = on_headers_complete;
  settings.on_body = on_body;
  settings.on_message_complete = on_complete;

  httpc::response_parser parser;
  digest sink;
  fmt::print("httpc head scanner: {}\n", httpc::detail::head_scanner());
  std::vector<std::pair<std::string, double>> ratios;
  for (const auto& entry : make_corpus()) {
    digest check_ours, check_theirs;
    if (parse_httpc(parser, entry.bytes, check_ours) != 1 ||
        parse_http_parser(settings, entry.bytes, check_theirs) != 1 ||
        check_ours.body != check_theirs.body || check_ours.status != check_theirs.status) {
      fmt::print(stderr, "{}: the parsers disagree\n", entry.name);
      return 1;
    }
    const auto [ours, theirs] =
        measure(seconds, [&] { return parse_httpc(parser, entry.bytes, sink); },
                [&] { return parse_http_parser(settings, entry.bytes, sink); });
    const double mb = static_cast<double>(entry.bytes.size()) / 1e6;
    fmt::print("{:<13} {:>6} bytes  httpc {:>12.0f} resp/s {:>8.1f} MB/s   http-parser {:>12.0f} resp/s {:>8.1f} MB/s\n",
               entry.name, entry.bytes.size(), ours, ours * mb, theirs, theirs * mb);
    ratios.emplace_back(entry.name, ours / theirs);
  }
  for (const auto& [name, ratio] : ratios) fmt::print("ratio {} {:.2f}\n", name, ratio);
  std::fprintf(stderr, "(checksum %zu)\n", sink.body + sink.fields + static_cast<std::size_t>(sink.status));
}
