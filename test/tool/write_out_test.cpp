// -w formatting (tool/write_out.hpp): every variable as curl prints it,
// escapes, %%, an unknown variable, an unclosed brace.
#include "write_out.hpp"

#include <doctest/doctest.h>

using httpc::tool::format_write_out;
using httpc::tool::transfer_facts;

namespace {

transfer_facts sample() {
  transfer_facts f;
  f.http_code = 200;
  f.http_version = 11;
  f.num_connects = 1;
  f.num_redirects = 2;
  f.remote_ip = "127.0.0.1";
  f.remote_port = 8080;
  f.size_download = 1000;
  f.size_upload = 12;
  f.time_namelookup = 0.001;
  f.time_connect = 0.0015;
  f.time_appconnect = 0;
  f.time_starttransfer = 0.25;
  f.time_total = 0.5;
  f.url_effective = "http://127.0.0.1:8080/x";
  return f;
}

std::string format(std::string_view text, const transfer_facts& f = sample()) {
  std::string warnings;
  std::string out = format_write_out(text, f, warnings);
  CHECK(warnings.empty());
  return out;
}

}  // namespace

TEST_CASE("write_out: each variable") {
  CHECK(format("%{http_code} %{response_code} %{http_version}") == "200 200 1.1");
  CHECK(format("%{num_connects} %{num_redirects}") == "1 2");
  CHECK(format("%{remote_ip}:%{remote_port}") == "127.0.0.1:8080");
  CHECK(format("%{size_download} %{size_upload} %{speed_download}") == "1000 12 2000");
  CHECK(format("%{time_namelookup} %{time_connect} %{time_appconnect}") == "0.001000 0.001500 0.000000");
  CHECK(format("%{time_starttransfer} %{time_total}") == "0.250000 0.500000");
  CHECK(format("%{url_effective}") == "http://127.0.0.1:8080/x");
  CHECK(format("%{exitcode}|%{errormsg}|") == "0||");
}

TEST_CASE("write_out: no response") {
  transfer_facts f;
  f.exitcode = 7;
  f.errormsg = "failed to connect";
  CHECK(format("%{http_code} %{http_version} %{remote_port} %{speed_download} %{exitcode} %{errormsg}", f) ==
        "000 0 0 0 7 failed to connect");
}

TEST_CASE("write_out: escapes, percent signs, what is not a variable") {
  CHECK(format("a\\nb\\tc\\rd") == "a\nb\tc\rd");
  CHECK(format("\\x %% 100%") == "\\x % 100%");
  CHECK(format("%{http_code") == "%{http_code");
  CHECK(format("%s") == "%s");
  std::string warnings;
  CHECK(format_write_out("[%{nope}]", sample(), warnings) == "[]");
  CHECK(warnings == "unknown --write-out variable: 'nope'\n");
}
