#pragma once
// The command line: curl's flags, parsed into one struct. Short flags bundle
// ("-sSfL"), a short flag's value may follow it ("-ofile") or come next
// ("-o file"), a long flag's value next or after "=" ("--output=file").

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace httpc::tool {

/// One -d, --data or --data-binary argument, as given.
struct data_part {
  std::string text;     // the value, or the file name after "@"
  bool from_file = false;
  bool binary = false;  // --data-binary: a file's CR and LF are kept
};

/// One -F argument: name=value, or name=@file (streamed).
struct form_part {
  std::string name;
  std::string value;  // the value, or the file name
  bool is_file = false;
};

/// Where one URL's body goes: stdout, a file (-o), or the URL's file name (-O).
struct output_target {
  std::string file;
  bool remote_name = false;
};

struct options {
  std::vector<std::string> urls;
  std::vector<output_target> outputs;  // matched to urls in order, as curl does
  std::optional<std::string> method;   // -X
  std::vector<std::string> headers;    // -H, as given
  std::vector<data_part> data;         // -d, --data, --data-binary
  std::vector<form_part> form;         // -F
  std::optional<std::string> upload_file;  // -T
  std::optional<std::string> user;         // -u user:password
  std::optional<std::string> write_out;    // -w (the format, after reading @file)
  std::optional<std::string> cacert, cert, key;
  std::optional<std::string> proxy;       // -x; "" turns the environment's off
  std::optional<std::string> noproxy;     // --noproxy: in place of NO_PROXY
  std::optional<std::string> proxy_user;  // -U user:password
  std::optional<std::string> unix_socket;  // --unix-socket path
  std::optional<std::chrono::milliseconds> connect_timeout, max_time;
  long max_redirs = 50;  // curl's default; -1: no limit
  std::size_t parallel_max = 50;
  unsigned retry = 0;  // --retry: attempts after the first on a transient failure
  bool head = false, include = false, location = false, fail = false;
  bool silent = false, show_error = false, verbose = false, insecure = false;
  bool parallel = false;
  bool compressed = false;  // --compressed: ask for the codings built in, hand out the body decoded
  bool help = false;  // -h: print usage_text() and stop
};

/// The outcome of parsing: options, or a usage error (exit code 2, with
/// `error` for stderr).
struct parse_result {
  options opts;
  std::string error;  // empty: parsed
};

parse_result parse_command_line(const std::vector<std::string>& args);

/// The usage text of --help.
const char* usage_text();

}  // namespace httpc::tool
