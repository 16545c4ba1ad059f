// The flag table and the loop over argv. A flag's handler stores its value;
// a new flag is one more row.

#include "options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>

namespace httpc::tool {
namespace {

using handler = std::string (*)(options&, const std::string&);

struct flag {
  char short_name;  // 0: long only
  std::string_view long_name;
  bool takes_value;
  handler apply;
};

std::optional<std::chrono::milliseconds> seconds(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0 || value > 1e9)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(value * 1000)));
}

std::optional<long> integer(const std::string& text) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The output_target that the next -o or -O fills: the first without one.
output_target& next_output(options& o) {
  o.outputs.emplace_back();
  return o.outputs.back();
}

data_part data_of(const std::string& value, bool binary) {
  if (!value.empty() && value.front() == '@') return {value.substr(1), true, binary};
  return {value, false, binary};
}

const std::string bad_number = "expected a proper numerical parameter";

const flag flags[] = {
    {0, "cacert", true, [](options& o, const std::string& v) { o.cacert = v; return std::string(); }},
    {0, "cert", true, [](options& o, const std::string& v) { o.cert = v; return std::string(); }},
    {0, "compressed", false, [](options& o, const std::string&) { o.compressed = true; return std::string(); }},
    {0, "connect-timeout", true,
     [](options& o, const std::string& v) {
       o.connect_timeout = seconds(v);
       return o.connect_timeout ? std::string() : bad_number;
     }},
    {'d', "data", true,
     [](options& o, const std::string& v) { o.data.push_back(data_of(v, false)); return std::string(); }},
    {0, "data-binary", true,
     [](options& o, const std::string& v) { o.data.push_back(data_of(v, true)); return std::string(); }},
    {0, "data-raw", true,
     [](options& o, const std::string& v) { o.data.push_back({v, false, false}); return std::string(); }},
    {'f', "fail", false, [](options& o, const std::string&) { o.fail = true; return std::string(); }},
    {'F', "form", true,
     [](options& o, const std::string& v) {
       const auto eq = v.find('=');
       if (eq == std::string::npos || eq == 0) return std::string("illegally formatted input field");
       form_part p{v.substr(0, eq), v.substr(eq + 1), false};
       if (!p.value.empty() && p.value.front() == '@') {
         p.value.erase(0, 1);
         p.is_file = true;
       }
       o.form.push_back(std::move(p));
       return std::string();
     }},
    {'I', "head", false, [](options& o, const std::string&) { o.head = true; return std::string(); }},
    {'H', "header", true, [](options& o, const std::string& v) { o.headers.push_back(v); return std::string(); }},
    {'h', "help", false, [](options& o, const std::string&) { o.help = true; return std::string(); }},
    // HTTP/1.1 is the only version httpc speaks.
    {0, "http1.1", false, [](options&, const std::string&) { return std::string(); }},
    {'i', "include", false, [](options& o, const std::string&) { o.include = true; return std::string(); }},
    {'k', "insecure", false, [](options& o, const std::string&) { o.insecure = true; return std::string(); }},
    {0, "key", true, [](options& o, const std::string& v) { o.key = v; return std::string(); }},
    {'L', "location", false, [](options& o, const std::string&) { o.location = true; return std::string(); }},
    {0, "max-redirs", true,
     [](options& o, const std::string& v) {
       const auto n = integer(v);
       if (!n || *n < -1) return bad_number;
       o.max_redirs = *n;
       return std::string();
     }},
    {'m', "max-time", true,
     [](options& o, const std::string& v) {
       o.max_time = seconds(v);
       return o.max_time ? std::string() : bad_number;
     }},
    {'o', "output", true, [](options& o, const std::string& v) { next_output(o).file = v; return std::string(); }},
    {'Z', "parallel", false, [](options& o, const std::string&) { o.parallel = true; return std::string(); }},
    {0, "noproxy", true, [](options& o, const std::string& v) { o.noproxy = v; return std::string(); }},
    {0, "parallel-max", true,
     [](options& o, const std::string& v) {
       const auto n = integer(v);
       if (!n || *n < 1) return bad_number;
       o.parallel_max = static_cast<std::size_t>(*n > 300 ? 300 : *n);  // curl's ceiling
       return std::string();
     }},
    {'O', "remote-name", false,
     [](options& o, const std::string&) { next_output(o).remote_name = true; return std::string(); }},
    {'x', "proxy", true, [](options& o, const std::string& v) { o.proxy = v; return std::string(); }},
    {'U', "proxy-user", true, [](options& o, const std::string& v) { o.proxy_user = v; return std::string(); }},
    // As curl: -x socks5://v (socks5h:// for names the proxy resolves); the last of these and -x wins.
    {0, "socks5", true,
     [](options& o, const std::string& v) {
       o.proxy = v.find("://") == std::string::npos ? "socks5://" + v : v;
       return std::string();
     }},
    {0, "socks5-hostname", true,
     [](options& o, const std::string& v) {
       o.proxy = v.find("://") == std::string::npos ? "socks5h://" + v : v;
       return std::string();
     }},
    {'X', "request", true, [](options& o, const std::string& v) { o.method = v; return std::string(); }},
    {0, "retry", true,
     [](options& o, const std::string& v) {
       const auto n = integer(v);
       if (!n || *n < 0 || *n > 1000) return bad_number;
       o.retry = static_cast<unsigned>(*n);
       return std::string();
     }},
    {'S', "show-error", false, [](options& o, const std::string&) { o.show_error = true; return std::string(); }},
    {'s', "silent", false, [](options& o, const std::string&) { o.silent = true; return std::string(); }},
    {'T', "upload-file", true, [](options& o, const std::string& v) { o.upload_file = v; return std::string(); }},
    {0, "unix-socket", true, [](options& o, const std::string& v) { o.unix_socket = v; return std::string(); }},
    {0, "url", true, [](options& o, const std::string& v) { o.urls.push_back(v); return std::string(); }},
    {'u', "user", true, [](options& o, const std::string& v) { o.user = v; return std::string(); }},
    {'v', "verbose", false, [](options& o, const std::string&) { o.verbose = true; return std::string(); }},
    {'w', "write-out", true,
     [](options& o, const std::string& v) {
       if (v.empty() || v.front() != '@') {
         o.write_out = v;
         return std::string();
       }
       std::ifstream in(v.substr(1), std::ios::binary);
       if (!in) return std::string("cannot read ") + v.substr(1);
       o.write_out.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
       return std::string();
     }},
};

const flag* find_short(char c) {
  for (const flag& f : flags)
    if (f.short_name == c) return &f;
  return nullptr;
}

const flag* find_long(std::string_view name) {
  for (const flag& f : flags)
    if (f.long_name == name) return &f;
  return nullptr;
}

}  // namespace

parse_result parse_command_line(const std::vector<std::string>& args) {
  parse_result result;
  options& o = result.opts;
  // Applies a flag; false (and result.error set) on a usage error.
  const auto apply = [&](const flag& f, const std::string& shown, const std::string& value) {
    const std::string problem = f.apply(o, value);
    if (!problem.empty()) result.error = "option " + shown + ": " + problem;
    return problem.empty();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      o.urls.push_back(arg);
      continue;
    }
    if (arg[1] == '-') {
      const auto eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const std::string shown = "--" + name;
      const flag* f = find_long(name);
      if (!f) {
        result.error = "option " + shown + ": is unknown";
        return result;
      }
      std::string value;
      if (eq != std::string::npos) {
        if (!f->takes_value) {
          result.error = "option " + shown + ": takes no parameter";
          return result;
        }
        value = arg.substr(eq + 1);
      } else if (f->takes_value) {
        if (i + 1 == args.size()) {
          result.error = "option " + shown + ": requires parameter";
          return result;
        }
        value = args[++i];
      }
      if (!apply(*f, shown, value)) return result;
      continue;
    }
    // A bundle of short flags; one that takes a value takes the rest of the
    // argument, or the next one.
    for (std::size_t at = 1; at < arg.size(); ++at) {
      const std::string shown = std::string("-") + arg[at];
      const flag* f = find_short(arg[at]);
      if (!f) {
        result.error = "option " + shown + ": is unknown";
        return result;
      }
      if (!f->takes_value) {
        if (!apply(*f, shown, {})) return result;
        continue;
      }
      std::string value;
      if (at + 1 < arg.size()) {
        value = arg.substr(at + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        result.error = "option " + shown + ": requires parameter";
        return result;
      }
      if (!apply(*f, shown, value)) return result;
      break;
    }
  }
  if (!o.help && o.urls.empty()) result.error = "no URL specified";
  return result;
}

const char* usage_text() {
  return "Usage: httpc [options...] <url>...\n"
         " -d, --data <data>          HTTP POST data (@file: from a file, CR and LF removed)\n"
         "     --data-binary <data>   HTTP POST data as is (@file: the file's bytes)\n"
         "     --data-raw <data>      HTTP POST data, @ not special\n"
         " -F, --form <name=content>  multipart/form-data part (name=@file: a file, streamed)\n"
         " -T, --upload-file <file>   PUT the file, streamed\n"
         " -X, --request <method>     the request method\n"
         " -H, --header <header>      an extra request field (\"Name:\" removes, \"Name;\" empty)\n"
         " -u, --user <user:password> basic authentication\n"
         " -o, --output <file>        write the body to a file instead of stdout\n"
         " -O, --remote-name          write the body to the URL's file name\n"
         " -I, --head                 HEAD: show the response head only\n"
         " -i, --include              show the response head before the body\n"
         " -L, --location             follow redirects (--max-redirs <n>, default 50)\n"
         " -f, --fail                 exit 22 without output on HTTP >= 400\n"
         " -s, --silent               no progress bar, no error message\n"
         " -S, --show-error           error messages even with -s\n"
         " -v, --verbose              the heads and what happened, on stderr\n"
         " -k, --insecure             do not verify the server's certificate\n"
         "     --cacert <file>        trust these CA certificates instead of the system's\n"
         "     --cert <file>          client certificate (PEM), --key <file> its key\n"
         "     --compressed           ask for a compressed body (gzip, deflate, br, zstd), write it decoded\n"
         "     --connect-timeout <s>  limit on connecting (seconds, fractions allowed)\n"
         " -m, --max-time <s>         limit on the whole transfer\n"
         " -w, --write-out <format>   print %{variable}s after each transfer (@file: from a file)\n"
         " -Z, --parallel             transfer the URLs at once (--parallel-max <n>, default 50)\n"
         "     --retry <n>            try again n times after a transient failure\n"
         " -x, --proxy <url>          through this proxy: http://, socks5://, socks5h://\n"
         "                            (default port 1080); else http_proxy, HTTPS_PROXY,\n"
         "                            ALL_PROXY as curl reads them\n"
         "     --socks5 <host[:port]> the same as -x socks5://host[:port]\n"
         "     --socks5-hostname <host[:port]>  -x socks5h://host[:port]\n"
         "     --noproxy <list>       hosts reached directly, in place of NO_PROXY\n"
         " -U, --proxy-user <u:p>     the proxy's credentials\n"
         "     --unix-socket <path>   connect to this Unix domain socket instead\n"
         "     --http1.1              HTTP/1.1 (the only version)\n"
         " -h, --help                 this text\n";
}

}  // namespace httpc::tool
