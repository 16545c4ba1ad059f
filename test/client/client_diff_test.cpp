// A differential test of the blocking facade (httpc/client.hpp) against
// CPython 3.11's http.client, which docs/reference.md names the reference
// wherever it says nothing itself. Each case of test/data/client_diff is a server's
// response, sent byte for byte by a loopback server that then closes;
// runs.txt adds runs with other methods, reads, modes, and runs of several
// responses on one connection. test/support/client_transcript.py runs them
// through CPython, this file through httpc, and both write the same
// transcript (status, reason, version, fields, getheader, body, isclosed,
// exception class and members, the requests sent, the connections made).
// Every difference is deliberate: listed in `deliberate` with the rule of
// docs/reference.md that decides it, or in `stricter` with the RFC rule that makes
// httpc refuse what CPython lets through. Any other difference is a bug and
// fails, and so does an entry whose difference no longer occurs.
#include "httpc/client.hpp"

#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>  // popen
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using httpc::test::script_server;
using httpc::test::step;

// As client_transcript.py sends them.
constexpr std::string_view post_body = "spam=1&eggs=2";
constexpr std::size_t split_size = 7;
constexpr auto split_gap = 1ms;

/// A difference between the two transcripts of one run that is expected:
/// `httpc` is a piece of httpc's transcript, so that the entry pins what
/// httpc does, not only that it differs.
struct difference {
  std::string_view run;     // "<case> <method> <read> <mode>", as the script prints it
  std::string_view httpc;   // found in httpc's transcript
  std::string_view reason;
};

// Where docs/reference.md decides against CPython 3.11.
constexpr difference deliberate[] = {
    // "Status line": without strict, a first line that is no HTTP/ status
    // line starts an HTTP/0.9 simple response (the 2.x text); Python 3
    // removed simple responses. The strict runs of the same cases agree.
    {"status_icy GET all lenient", "version=9 closed=0 body=\"ICY 200 OK",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_icy GET amt4 lenient", "version=9 closed=0 body=\"ICY 200 OK",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_icy GET all split", "version=9 closed=0 body=\"ICY 200 OK",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_garbage GET all lenient", "version=9 closed=0 body=\"garbage",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_garbage GET all split", "version=9 closed=0 body=\"garbage",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_lowercase GET all lenient", "version=9 closed=0 body=\"http/1.1 200 OK",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_only_crlf GET all lenient", "version=9 closed=0 body=\"\\x0d\\x0aHTTP/1.1",
     "HTTP/0.9 without strict (docs/reference.md: Status line)"},
    {"status_one_part GET all lenient", "version=9 closed=0 body=\"HTTP/1.1\\x0d\\x0a",
     "HTTP/0.9 without strict: fewer than two parts (docs/reference.md: Status line)"},
    // "HTTP/0.9 is 9 (no headers follow)"; CPython takes it for 1.0.
    {"status_http09_line GET all lenient", "version=9 closed=0 body=\"Content-Length: 5",
     "an HTTP/0.9 status line is version 9 with no fields (docs/reference.md: Status line)"},
    {"status_http09_line GET all strict", "version=9 closed=0 body=\"Content-Length: 5",
     "an HTTP/0.9 status line is version 9 with no fields (docs/reference.md: Status line)"},
    {"status_http09_line GET all split", "version=9 closed=0 body=\"Content-Length: 5",
     "an HTTP/0.9 status line is version 9 with no fields (docs/reference.md: Status line)"},
    // "a three-digit status of 100-999": CPython's int() takes "+200".
    {"status_plus GET all lenient", "error=BadStatusLine@getresponse",
     "the status is three digits (docs/reference.md: Status line)"},
    // "More than 100 header lines throw; 100 are accepted": CPython counts
    // the empty line that ends the head, so it accepts 99.
    {"hdr_100_lines GET all lenient", "header=\"X-H98\":\"98\" header=\"Content-Length\"",
     "100 field lines are accepted (docs/reference.md: Limits)"},
    // "Field values are trimmed; an obs-fold becomes one space": CPython
    // keeps trailing whitespace and the fold's CRLF.
    {"cl_whitespace GET all lenient", "header=\"Content-Length\":\"5\"",
     "values are trimmed (docs/reference.md: Field values)"},
    {"hdr_whitespace GET all lenient", "header=\"X-Ws\":\"padded value\"",
     "values are trimmed (docs/reference.md: Field values)"},
    {"hdr_obs_fold GET all lenient", "header=\"X-Folded\":\"a b c\"",
     "an obs-fold is one space (docs/reference.md: Field values)"},
    {"hdr_obs_fold GET all split", "header=\"X-Folded\":\"a b c\"",
     "an obs-fold is one space (docs/reference.md: Field values)"},
    {"hdr_obs_fold_trailing_ws GET all lenient", "header=\"X-Folded\":\"a b\"",
     "an obs-fold, with the whitespace before it, is one space (docs/reference.md: Field values)"},
    // Trimmed, "chunked " is chunked; CPython compares the raw value.
    {"te_chunked_trailing_space GET all lenient", "body=\"hello\"",
     "values are trimmed, so the coding is chunked (docs/reference.md: Field values)"},
    // "Content-Length values that disagree, or that are not digits, throw
    // HTTPException (identical values as a list are one value)"; CPython
    // takes the first value, or reads to the close when int() fails.
    {"cl_conflict GET all lenient", "error=HTTPException@getresponse",
     "Content-Length values that disagree (docs/reference.md: Framing errors)"},
    {"cl_not_digits GET all lenient", "error=HTTPException@getresponse",
     "a Content-Length that is not digits (docs/reference.md: Framing errors)"},
    {"cl_negative GET all lenient", "error=HTTPException@getresponse",
     "a Content-Length that is not digits (docs/reference.md: Framing errors)"},
    {"cl_plus GET all lenient", "error=HTTPException@getresponse",
     "a Content-Length that is not digits (docs/reference.md: Framing errors)"},
    {"cl_empty_value GET all lenient", "error=HTTPException@getresponse",
     "a Content-Length that is not digits (docs/reference.md: Framing errors)"},
    // "Responses that have no body (HEAD, 1xx, 204, 304) ignore their
    // framing fields"; CPython reads a chunked 304's body.
    {"s304_with_te GET all lenient", "body=\"\" pieces=0 closed=1",
     "a 304 has no body, whatever its framing fields (docs/reference.md: Framing errors)"},
    // "Every 1xx except 101 is skipped"; CPython skips 100 only.
    {"s102_then_200 GET all lenient", "status=200",
     "1xx other than 101 are skipped (docs/reference.md: Interim responses)"},
    {"s103_then_200 GET all lenient", "status=200",
     "1xx other than 101 are skipped (docs/reference.md: Interim responses)"},
    // "A body that ends early throws IncompleteRead from the read that
    // meets the end, whichever read it is": CPython's read(amt) and
    // readinto return the short body.
    {"cl_truncated GET amt3 lenient",
     "pieces=3 error=IncompleteRead@read partial=\"lo\" expected=5",
     "a short body is IncompleteRead from any read (docs/reference.md: Reading)"},
    {"cl_truncated GET into4 lenient",
     "pieces=4 error=IncompleteRead@read partial=\"o\" expected=5",
     "a short body is IncompleteRead from any read (docs/reference.md: Reading)"},
    // "partial holds the bytes that read received, including those of an
    // unfinished chunk": CPython keeps only the complete chunks'.
    {"chunked_truncated_data GET all lenient", "partial=\"hello wo\"",
     "partial includes an unfinished chunk's bytes (docs/reference.md: Reading)"},
    {"chunked_truncated_data GET all split", "partial=\"hello wo\"",
     "partial includes an unfinished chunk's bytes (docs/reference.md: Reading)"},
    {"chunked_truncated_data GET amt3 lenient", "partial=\"wo\"",
     "partial includes an unfinished chunk's bytes (docs/reference.md: Reading)"},
    {"chunked_truncated_data GET into3 lenient", "partial=\"wo\"",
     "partial includes an unfinished chunk's bytes (docs/reference.md: Reading)"},
    // "the server closes inside a ... chunked body": the chunked body runs
    // to the CRLF after the trailer section (RFC 9112 §7.1). CPython takes a
    // close after the last chunk, or inside the trailers, as its end
    // (_read_and_discard_trailer: "a vanishingly small number of sites EOF
    // without sending the trailer").
    {"chunked_no_final_crlf GET all lenient", "error=IncompleteRead@read partial=\"hello\"",
     "a close before the chunked body's last CRLF (docs/reference.md: Reading)"},
    {"chunked_truncated_trailer GET all lenient", "error=IncompleteRead@read partial=\"hello\"",
     "a close inside the trailer section (docs/reference.md: Reading)"},
};

// Where docs/reference.md is silent but RFC 9112 / 9110 make a message invalid that
// CPython accepts: httpc refuses it, as a client that must not be confused
// about where a message ends (response splitting and smuggling) should.
constexpr difference stricter[] = {
    // RFC 9112 §7.1: chunk-size = 1*HEXDIG, and chunk data ends with CRLF.
    // CPython's int(line, 16) takes "0x5", and it drops the two bytes after
    // chunk data unchecked.
    {"chunked_size_0x GET all lenient", "error=IncompleteRead@read",
     "a chunk size is hex digits only (RFC 9112 §7.1)"},
    {"chunked_no_crlf_after_data GET all lenient", "error=IncompleteRead@read",
     "chunk data ends with CRLF (RFC 9112 §7.1)"},
    {"bare_lf_chunked GET all lenient", "body=\"hello\" pieces=5 closed=1",
     "a bare LF ends a chunk line as it ends a field line (RFC 9112 §2.2); CPython's "
     "unchecked two bytes break on it"},
    // A close inside the head: CPython's readline() returns what it has and
    // the head ends at the close. RFC 9112 §8: such a message is incomplete.
    {"status_unterminated GET all lenient", "error=BadStatusLine@getresponse",
     "a status line cut by the close is incomplete (RFC 9112 §8)"},
    {"head_truncated GET all lenient", "error=HTTPException@getresponse",
     "a head cut by the close is incomplete (RFC 9112 §8)"},
    {"head_truncated_mid_line GET all lenient", "error=HTTPException@getresponse",
     "a head cut by the close is incomplete (RFC 9112 §8)"},
    // Field lines that are no "name: value" (RFC 9112 §5.1, RFC 9110 §5.5):
    // CPython's email parser drops some and ends the head silently at others,
    // taking the rest (Content-Length included) as body.
    {"hdr_no_colon GET all lenient", "error=HTTPException@getresponse",
     "a field line needs a colon (RFC 9112 §5.1)"},
    {"hdr_space_before_colon GET all lenient", "error=HTTPException@getresponse",
     "no whitespace between a field name and the colon (RFC 9112 §5.1)"},
    {"hdr_empty_name GET all lenient", "error=HTTPException@getresponse",
     "a field name is a token, never empty (RFC 9110 §5.1)"},
    {"hdr_first_continuation GET all lenient", "error=HTTPException@getresponse",
     "an obs-fold continues a field; before the first one it continues nothing (RFC 9112 §5.2)"},
    {"hdr_cr_in_value GET all lenient", "error=HTTPException@getresponse",
     "a bare CR in a field value is invalid (RFC 9110 §5.5)"},
    {"hdr_nul_value GET all lenient", "error=HTTPException@getresponse",
     "a NUL in a field value is invalid (RFC 9110 §5.5)"},
    {"status_reason_nul GET all lenient", "error=BadStatusLine@getresponse",
     "reason-phrase is HTAB, SP, VCHAR and obs-text (RFC 9112 §4)"},
    // Transfer-Encoding: CPython decodes chunked when the first field says
    // so and ignores every other coding, handing out encoded bytes.
    {"te_chunked_twice GET all lenient", "error=HTTPException@getresponse",
     "chunked is never applied twice (RFC 9112 §6.1)"},
    {"te_gzip_chunked GET all lenient", "error=UnknownTransferEncoding@getresponse",
     "a coding the client does not know: UnknownTransferEncoding (RFC 9112 §6.1, the references' exception)"},
    {"te_gzip_until_close GET all lenient", "error=UnknownTransferEncoding@getresponse",
     "a coding the client does not know: UnknownTransferEncoding (RFC 9112 §6.1)"},
    {"te_gzip_with_cl GET all lenient", "error=UnknownTransferEncoding@getresponse",
     "Transfer-Encoding overrides Content-Length, and gzip is unknown (RFC 9112 §6.1, §6.3)"},
    {"te_identity_with_cl GET all lenient", "error=UnknownTransferEncoding@getresponse",
     "\"identity\" is no transfer coding since RFC 7230 (RFC 9112 §6.1)"},
};

/// Bytes as a quoted string: printable ASCII as is, the rest as \xNN
/// (client_transcript.py's esc()).
std::string esc(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out + '"';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The words for the exception in flight (client_transcript.py's describe()).
/// Classes are named as in Python: httpc's share the names; a reset and a
/// timeout are Python's ConnectionResetError and TimeoutError.
std::vector<std::string> describe_current(std::string_view stage) {
  const auto error = [&](std::string_view name) {
    return "error=" + std::string(name) + "@" + std::string(stage);
  };
  try {
    throw;
  } catch (const httpc::RemoteDisconnected&) {
    return {error("RemoteDisconnected")};
  } catch (const httpc::BadStatusLine& e) {
    return {error("BadStatusLine"), "line=" + esc(e.line)};
  } catch (const httpc::IncompleteRead& e) {
    return {error("IncompleteRead"), "partial=" + esc(e.partial),
            "expected=" + (e.expected ? std::to_string(*e.expected) : std::string("-"))};
  } catch (const httpc::LineTooLong&) {
    return {error("LineTooLong")};
  } catch (const httpc::UnknownProtocol&) {
    return {error("UnknownProtocol")};
  } catch (const httpc::UnknownTransferEncoding&) {
    return {error("UnknownTransferEncoding")};
  } catch (const httpc::ResponseNotReady&) {
    return {error("ResponseNotReady")};
  } catch (const httpc::CannotSendRequest&) {
    return {error("CannotSendRequest")};
  } catch (const httpc::CannotSendHeader&) {
    return {error("CannotSendHeader")};
  } catch (const httpc::ImproperConnectionState&) {
    return {error("ImproperConnectionState")};
  } catch (const httpc::NotConnected&) {
    return {error("NotConnected")};
  } catch (const httpc::InvalidURL&) {
    return {error("InvalidURL")};
  } catch (const httpc::HTTPException&) {
    return {error("HTTPException")};
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::connection_reset) return {error("ConnectionResetError")};
    if (e.code() == std::errc::timed_out) return {error("TimeoutError")};
    return {error("system_error(" + std::string(e.what()) + ")")};
  } catch (const std::exception& e) {
    return {error("exception(" + std::string(e.what()) + ")")};
  }
}

/// One run, as the script names it.
struct run {
  std::string case_name, method, read, mode;
};

run parse_run(std::string_view key) {
  run r;
  std::string* parts[] = {&r.case_name, &r.method, &r.read, &r.mode};
  for (std::string* part : parts) {
    const std::size_t space = key.find(' ');
    *part = std::string(key.substr(0, space));
    key = space == std::string_view::npos ? std::string_view() : key.substr(space + 1);
  }
  return r;
}

void read_body(httpc::HTTPResponse& response, const run& r, std::vector<std::string>& pieces) {
  if (r.read == "all") {
    pieces.push_back(response.read());
    return;
  }
  const bool amt = r.read.starts_with("amt");
  const std::size_t size = std::stoul(r.read.substr(amt ? 3 : 4));
  while (pieces.size() < 100000) {
    if (amt) {
      pieces.push_back(response.read(size));
    } else {
      std::vector<char> buffer(size);
      const std::size_t n = response.readinto(std::span<char>(buffer));
      pieces.emplace_back(buffer.data(), n);
    }
    if (pieces.back().empty()) return;
  }
}

/// One request and its response: appends the words of its transcript;
/// false when it failed (client_transcript.py's exchange()).
bool exchange(httpc::HTTPConnection& conn, const run& r, std::vector<std::string>& words) {
  if (r.method == "POST") {
    conn.request(r.method, "/", post_body);
  } else {
    conn.request(r.method, "/");
  }
  std::optional<httpc::HTTPResponse> response;
  try {
    response.emplace(conn.getresponse());
  } catch (...) {
    const auto failure = describe_current("getresponse");
    words.insert(words.end(), failure.begin(), failure.end());
    return false;
  }
  words.push_back("status=" + std::to_string(response->status()));
  words.push_back("reason=" + esc(response->reason()));
  words.push_back("version=" + std::to_string(response->version()));
  words.push_back("closed=" + std::string(response->isclosed() ? "1" : "0"));
  std::vector<std::string> names;  // distinct, as first spelt
  for (const auto& field : response->msg().items()) {
    const std::string& name = field.first;  // not a binding: clang 14 lambdas cannot capture one
    words.push_back("header=" + esc(name) + ":" + esc(field.second));
    if (std::none_of(names.begin(), names.end(),
                     [&](const std::string& seen) { return lower(seen) == lower(name); }))
      names.push_back(name);
  }
  for (const std::string& name : names)
    words.push_back("getheader=" + esc(name) + ":" + esc(response->getheader(name).value_or("")));

  std::vector<std::string> pieces;
  std::vector<std::string> failure;
  try {
    read_body(*response, r, pieces);
  } catch (...) {
    failure = describe_current("read");
  }
  std::string body, sizes;
  for (const std::string& piece : pieces) {
    body += piece;
    sizes += (sizes.empty() ? "" : ",") + std::to_string(piece.size());
  }
  words.push_back("body=" + esc(body));
  words.push_back("pieces=" + sizes);
  if (!failure.empty()) {
    words.insert(words.end(), failure.begin(), failure.end());
    return false;
  }
  words.push_back("closed=" + std::string(response->isclosed() ? "1" : "0"));
  return true;
}

/// httpc's transcript of one run (client_transcript.py's transcript()).
std::string httpc_transcript(const std::vector<std::string>& responses, const run& r) {
  const bool split = r.mode == "split";
  script_server server;
  // Connection k answers responses k, k+1, ...: a client that reconnects
  // gets the next response it has not received.
  for (std::size_t first = 0; first < responses.size(); ++first) {
    httpc::test::script steps;
    for (std::size_t i = first; i < responses.size(); ++i) {
      steps.push_back(step::read_request());
      steps.push_back(split ? step::send_pieces_of(responses[i], split_size, split_gap)
                            : step::send(responses[i]));
    }
    steps.push_back(step::close());
    server.on_connection(std::move(steps));
  }
  httpc::ConnectionOptions options;
  options.strict = r.mode == "strict";
  options.timeout = 5s;
  std::vector<std::string> words;
  {
    httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
    for (std::size_t i = 0; i < responses.size(); ++i) {
      if (!exchange(conn, r, words)) break;
    }
  }
  // Connections and requests: counted once the client is done.
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  for (std::string request : server.requests()) {
    for (std::size_t at = 0; (at = request.find(host, at)) != std::string::npos;)
      request.replace(at, host.size(), "127.0.0.1:PORT");
    words.push_back("request=" + esc(request));
  }
  words.push_back("connections=" + std::to_string(server.connections()));
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// CPython's transcripts: (run, transcript) per line of the script's output.
std::vector<std::pair<std::string, std::string>> python_transcripts() {
  const std::string command = std::string("'") + HTTPC_PYTHON3 + "' '" + HTTPC_CLIENT_TRANSCRIPT +
                              "' '" + HTTPC_CLIENT_DIFF_DIR + "'";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    output.append(buffer, n);
  REQUIRE(pclose(pipe) == 0);
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t at = 0; at < output.size();) {
    const std::size_t end = output.find('\n', at);
    const std::string line = output.substr(at, end - at);
    at = end == std::string::npos ? output.size() : end + 1;
    const std::size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return out;
}

const difference* find_entry(std::span<const difference> table, std::string_view key) {
  for (const difference& d : table) {
    if (d.run == key) return &d;
  }
  return nullptr;
}

TEST_CASE("httpc's facade and CPython's http.client agree on the corpus, but where listed") {
  const auto expected = python_transcripts();
  REQUIRE(!expected.empty());
  const std::filesystem::path corpus = HTTPC_CLIENT_DIFF_DIR;

  // Every case runs at least with GET and read(), so none is forgotten.
  std::set<std::string> runs;
  for (const auto& [key, transcript] : expected) runs.insert(key);
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (entry.path().extension() != ".http") continue;
    CHECK_MESSAGE(runs.count(entry.path().stem().string() + " GET all lenient") == 1,
                  "no run of ", entry.path().filename().string());
  }

  std::set<std::string_view> occurred;
  for (const auto& run_and_transcript : expected) {
    // Not bindings: clang 14's doctest lambdas cannot capture them.
    const std::string& key = run_and_transcript.first;
    const std::string& python = run_and_transcript.second;
    const run r = parse_run(key);
    std::vector<std::string> responses;
    for (std::string_view names = r.case_name; !names.empty();) {
      const std::size_t plus = std::min(names.find('+'), names.size());
      responses.push_back(read_file(corpus / (std::string(names.substr(0, plus)) + ".http")));
      names.remove_prefix(std::min(plus + 1, names.size()));
    }
    const std::string ours = httpc_transcript(responses, r);
    const difference* listed = find_entry(deliberate, key);
    const difference* entry = listed != nullptr ? listed : find_entry(stricter, key);
    if (ours == python) {
      CHECK_MESSAGE(entry == nullptr, key, ": listed as a difference, but both agree now: ",
                    ours);
      continue;
    }
    if (entry == nullptr) {
      FAIL_CHECK("unexplained difference in run '", key, "'\n  CPython: ", python,
                 "\n  httpc:   ", ours);
      continue;
    }
    occurred.insert(entry->run);
    CHECK_MESSAGE(ours.find(entry->httpc) != std::string::npos, key, ": httpc's transcript lacks '",
                  entry->httpc, "' (", entry->reason, ")\n  CPython: ", python,
                  "\n  httpc:   ", ours);
  }
  for (const std::span<const difference> table : {std::span<const difference>(deliberate),
                                                  std::span<const difference>(stricter)}) {
    for (const difference& d : table) {
      CHECK_MESSAGE(occurred.count(d.run) == 1, "listed difference that no run showed: ", d.run);
    }
  }
}

}  // namespace
