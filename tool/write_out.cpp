// The -w variables in a table, each printed as curl prints it: codes as
// integers (http_code in three digits), times in seconds with six decimals,
// speed in whole bytes per second.

#include "write_out.hpp"

#include <cstdio>

namespace httpc::tool {
namespace {

std::string decimal(std::uint64_t n) { return std::to_string(n); }

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", s);
  return text;
}

std::string variable(std::string_view name, const transfer_facts& f, bool& known) {
  known = true;
  if (name == "http_code" || name == "response_code") {
    char text[8];
    std::snprintf(text, sizeof text, "%03d", f.http_code);
    return text;
  }
  if (name == "http_version") {
    if (f.http_version == 0) return "0";
    return std::to_string(f.http_version / 10) + "." + std::to_string(f.http_version % 10);
  }
  if (name == "num_connects") return decimal(f.num_connects);
  if (name == "num_redirects") return decimal(f.num_redirects);
  if (name == "remote_ip") return f.remote_ip;
  if (name == "remote_port") return decimal(f.remote_port);
  if (name == "size_download") return decimal(f.size_download);
  if (name == "size_upload") return decimal(f.size_upload);
  if (name == "speed_download")
    return decimal(f.time_total > 0 ? static_cast<std::uint64_t>(f.size_download / f.time_total) : 0);
  if (name == "time_namelookup") return seconds(f.time_namelookup);
  if (name == "time_connect") return seconds(f.time_connect);
  if (name == "time_appconnect") return seconds(f.time_appconnect);
  if (name == "time_starttransfer") return seconds(f.time_starttransfer);
  if (name == "time_total") return seconds(f.time_total);
  if (name == "url_effective") return f.url_effective;
  if (name == "exitcode") return decimal(static_cast<std::uint64_t>(f.exitcode));
  if (name == "errormsg") return f.errormsg;
  known = false;
  return {};
}

}  // namespace

std::string format_write_out(std::string_view format, const transfer_facts& facts, std::string& warnings) {
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    const bool has_next = i + 1 < format.size();
    if (c == '%' && has_next && format[i + 1] == '%') {
      out += '%';
      ++i;
    } else if (c == '%' && has_next && format[i + 1] == '{') {
      const std::size_t end = format.find('}', i + 2);
      if (end == std::string_view::npos) {  // no closing brace: printed as is
        out += format.substr(i);
        break;
      }
      const std::string_view name = format.substr(i + 2, end - i - 2);
      bool known = false;
      out += variable(name, facts, known);
      if (!known) warnings += "unknown --write-out variable: '" + std::string(name) + "'\n";
      i = end;
    } else if (c == '\\' && has_next && (format[i + 1] == 'n' || format[i + 1] == 'r' || format[i + 1] == 't')) {
      out += format[i + 1] == 'n' ? '\n' : format[i + 1] == 'r' ? '\r' : '\t';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace httpc::tool
