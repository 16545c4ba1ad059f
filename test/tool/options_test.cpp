// The command line (tool/options.hpp): curl's short-flag bundles, values
// attached or next, long flags with "=" or next, @file for -w, and the
// usage errors that exit with 2.
#include "options.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using httpc::tool::parse_command_line;

TEST_CASE("options: bundled short flags, a value attached or next") {
  const auto r = parse_command_line({"-sSfL", "-ofile", "http://a/", "-o", "second", "-XPUT", "http://b/"});
  REQUIRE(r.error.empty());
  const auto& o = r.opts;
  CHECK(o.silent);
  CHECK(o.show_error);
  CHECK(o.fail);
  CHECK(o.location);
  REQUIRE(o.outputs.size() == 2);
  CHECK(o.outputs[0].file == "file");
  CHECK(o.outputs[1].file == "second");
  CHECK(o.method == "PUT");
  CHECK(o.urls == std::vector<std::string>{"http://a/", "http://b/"});
}

TEST_CASE("options: a bundle ends at the first flag that takes a value") {
  const auto r = parse_command_line({"-sHX-Test: 1", "http://a/"});
  REQUIRE(r.error.empty());
  CHECK(r.opts.silent);
  CHECK(r.opts.headers == std::vector<std::string>{"X-Test: 1"});
  const auto next = parse_command_line({"-sd", "a=1", "http://a/"});
  REQUIRE(next.opts.data.size() == 1);
  CHECK(next.opts.data[0].text == "a=1");
}

TEST_CASE("options: long flags with the value next or after =") {
  const auto r = parse_command_line({"--max-time=1.5", "--connect-timeout", "0.25", "--max-redirs", "3",
                                     "--output=out", "--data-binary", "@body", "--data", "x=1", "--http1.1",
                                     "--parallel", "--parallel-max", "4", "http://a/"});
  REQUIRE(r.error.empty());
  const auto& o = r.opts;
  CHECK(o.max_time == std::chrono::milliseconds(1500));
  CHECK(o.connect_timeout == std::chrono::milliseconds(250));
  CHECK(o.max_redirs == 3);
  CHECK(o.outputs[0].file == "out");
  REQUIRE(o.data.size() == 2);
  CHECK(o.data[0].from_file);
  CHECK(o.data[0].binary);
  CHECK(o.data[0].text == "body");
  CHECK_FALSE(o.data[1].from_file);
  CHECK(o.parallel);
  CHECK(o.parallel_max == 4);
}

TEST_CASE("options: -F parts, -T, -u, -O, -I, -i, -k, -v, TLS files") {
  const auto r = parse_command_line({"-F", "a=1", "-Ffile=@x.txt", "-T", "up", "-u", "me:pw", "-O", "-Iikv",
                                     "--cacert", "ca", "--cert", "c", "--key", "k", "http://a/x"});
  REQUIRE(r.error.empty());
  const auto& o = r.opts;
  REQUIRE(o.form.size() == 2);
  CHECK(o.form[0].name == "a");
  CHECK(o.form[0].value == "1");
  CHECK_FALSE(o.form[0].is_file);
  CHECK(o.form[1].is_file);
  CHECK(o.form[1].value == "x.txt");
  CHECK(o.upload_file == "up");
  CHECK(o.user == "me:pw");
  CHECK(o.outputs[0].remote_name);
  CHECK(o.head);
  CHECK(o.include);
  CHECK(o.insecure);
  CHECK(o.verbose);
  CHECK(o.cacert == "ca");
  CHECK(o.cert == "c");
  CHECK(o.key == "k");
}

TEST_CASE("options: -w from a file") {
  const std::string path = "options_test_write_out.txt";
  std::ofstream(path) << "%{http_code}\\n";
  const auto r = parse_command_line({"-w", "@" + path, "http://a/"});
  std::remove(path.c_str());
  REQUIRE(r.error.empty());
  CHECK(r.opts.write_out == "%{http_code}\\n");
}

TEST_CASE("options: usage errors") {
  CHECK(parse_command_line({"--bogus", "http://a/"}).error == "option --bogus: is unknown");
  CHECK(parse_command_line({"-sq", "http://a/"}).error == "option -q: is unknown");
  CHECK(parse_command_line({"http://a/", "-o"}).error == "option -o: requires parameter");
  CHECK(parse_command_line({"http://a/", "--output"}).error == "option --output: requires parameter");
  CHECK(parse_command_line({"--silent=yes", "http://a/"}).error == "option --silent: takes no parameter");
  CHECK(parse_command_line({"-m", "soon", "http://a/"}).error ==
        "option -m: expected a proper numerical parameter");
  CHECK(parse_command_line({"--max-redirs", "-2", "http://a/"}).error ==
        "option --max-redirs: expected a proper numerical parameter");
  CHECK(parse_command_line({"-F", "novalue", "http://a/"}).error == "option -F: illegally formatted input field");
  CHECK(parse_command_line({"-s"}).error == "no URL specified");
  CHECK(parse_command_line({"--help"}).error.empty());
  CHECK(parse_command_line({"-h"}).opts.help);
}

TEST_CASE("options: defaults as curl's") {
  const auto r = parse_command_line({"http://a/"});
  CHECK(r.opts.max_redirs == 50);
  CHECK(r.opts.parallel_max == 50);
  CHECK_FALSE(r.opts.location);
  CHECK_FALSE(r.opts.insecure);
  CHECK(r.opts.outputs.empty());
}

TEST_CASE("options: --retry takes a count") {
  CHECK(parse_command_line({"--retry", "3", "http://a/"}).opts.retry == 3);
  CHECK(parse_command_line({"http://a/"}).opts.retry == 0);
  CHECK_FALSE(parse_command_line({"--retry", "x", "http://a/"}).error.empty());
  CHECK_FALSE(parse_command_line({"--retry=-1", "http://a/"}).error.empty());
}

TEST_CASE("options: --socks5 and --socks5-hostname are -x with a SOCKS scheme; the last proxy flag wins") {
  const auto socks = parse_command_line({"-x", "http://p:3128", "--socks5", "s:1080", "http://a/"});
  REQUIRE(socks.error.empty());
  CHECK(socks.opts.proxy == "socks5://s:1080");
  const auto hostname = parse_command_line({"--socks5-hostname", "s", "http://a/"});
  CHECK(hostname.opts.proxy == "socks5h://s");
  const auto with_scheme = parse_command_line({"--socks5", "socks5h://s", "http://a/"});
  CHECK(with_scheme.opts.proxy == "socks5h://s");
  const auto last = parse_command_line({"--socks5", "s", "-x", "http://p", "http://a/"});
  CHECK(last.opts.proxy == "http://p");
}
