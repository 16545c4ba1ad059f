// Tests of httpc/proxy_env.hpp: the rules of curl 7.88 written out as
// tables, then the same decision side by side with the curl binary (when
// the build found one): curl runs in an empty environment plus a case's
// variables against a loopback target, with two loopback listeners as
// proxies, and whichever of the three it connects to must be the one
// proxy_from_environment names.
#include "httpc/proxy_env.hpp"

#include "support/process.hpp"
#include "support/script_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "httpc/url.hpp"

namespace {

using variables = std::vector<std::pair<std::string, std::string>>;

httpc::environment environment_of(variables vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    for (const auto& [key, value] : vars)
      if (key == name) return value;
    return std::nullopt;
  };
}

std::string decide(std::string_view target, variables vars) {
  return httpc::proxy_from_environment(httpc::parse_url(target), environment_of(std::move(vars)));
}

}  // namespace

TEST_CASE("proxy_env: which variable, by scheme") {
  struct row {
    std::string target;
    variables vars;
    std::string proxy;
  };
  const std::vector<row> rows = {
      {"http://h/", {{"http_proxy", "p:1"}}, "http://p:1"},
      {"http://h/", {{"HTTP_PROXY", "p:1"}}, ""},  // never read: httpoxy
      {"http://h/", {{"HTTP_PROXY", "p:1"}, {"ALL_PROXY", "q:2"}}, "http://q:2"},
      {"http://h/", {{"http_proxy", "p:1"}, {"all_proxy", "q:2"}}, "http://p:1"},
      {"http://h/", {{"http_proxy", ""}, {"all_proxy", "q:2"}}, "http://q:2"},  // empty: not set
      {"http://h/", {{"all_proxy", "p:1"}, {"ALL_PROXY", "q:2"}}, "http://p:1"},
      {"http://h/", {{"all_proxy", ""}, {"ALL_PROXY", "q:2"}}, "http://q:2"},
      {"http://h/", {{"https_proxy", "p:1"}}, ""},
      {"https://h/", {{"https_proxy", "p:1"}, {"HTTPS_PROXY", "q:2"}}, "http://p:1"},
      {"https://h/", {{"https_proxy", ""}, {"HTTPS_PROXY", "q:2"}}, "http://q:2"},
      {"https://h/", {{"HTTPS_PROXY", "q:2"}, {"all_proxy", "p:1"}}, "http://q:2"},
      {"https://h/", {{"http_proxy", "p:1"}}, ""},
      {"https://h/", {{"Https_Proxy", "p:1"}}, ""},  // names are exact: lower or upper case
      {"https://h/", {{"ALL_PROXY", "q:2"}}, "http://q:2"},
      {"http://h/", {}, ""},
  };
  for (const row& r : rows) {
    CAPTURE(r.target);
    CAPTURE(r.vars.size());
    CHECK(decide(r.target, r.vars) == r.proxy);
  }
}

TEST_CASE("proxy_env: the proxy's scheme") {
  const auto proxy = [](std::string value) { return decide("http://h/", {{"http_proxy", std::move(value)}}); };
  CHECK(proxy("http://p:3128") == "http://p:3128");
  CHECK(proxy("HTTP://p:3128") == "HTTP://p:3128");
  CHECK(proxy("https://p") == "https://p");
  CHECK(proxy("socks5h://p:1080") == "socks5h://p:1080");  // kept: the pool says what it supports
  CHECK(proxy("http:/p:1") == "http:/p:1");                 // curl's scheme test is "<scheme>:/"
  CHECK(proxy("p:3128") == "http://p:3128");
  CHECK(proxy("127.0.0.1:3128") == "http://127.0.0.1:3128");
  CHECK(proxy("localhost:3128/") == "http://localhost:3128/");
  CHECK(proxy("[::1]:3128") == "http://[::1]:3128");
  // Guessed from the first label, as curl guesses a URL's scheme.
  CHECK(proxy("ftp.corp:3128") == "ftp://ftp.corp:3128");
  CHECK(proxy("FTP.corp:3128") == "ftp://FTP.corp:3128");
  CHECK(proxy("dict.corp") == "dict://dict.corp");
  CHECK(proxy("ldap.corp") == "ldap://ldap.corp");
  CHECK(proxy("imap.corp") == "imap://imap.corp");
  CHECK(proxy("smtp.corp") == "smtp://smtp.corp");
  CHECK(proxy("pop3.corp") == "pop3://pop3.corp");
  CHECK(proxy("ftpx.corp:3128") == "http://ftpx.corp:3128");
  CHECK(proxy("www.corp:3128") == "http://www.corp:3128");
  CHECK(proxy("ftp") == "http://ftp");
}

TEST_CASE("proxy_env: no_proxy and NO_PROXY") {
  const variables proxy{{"http_proxy", "p:1"}};
  const auto with = [&](variables more) {
    variables vars = proxy;
    vars.insert(vars.end(), more.begin(), more.end());
    return decide("http://example.com/", vars);
  };
  CHECK(with({{"no_proxy", "example.com"}}).empty());
  CHECK(with({{"NO_PROXY", "example.com"}}).empty());
  CHECK(with({{"no_proxy", ""}, {"NO_PROXY", "example.com"}}).empty());
  CHECK(with({{"no_proxy", "other.org"}, {"NO_PROXY", "example.com"}}) == "http://p:1");
  CHECK(with({{"no_proxy", "other.org"}}) == "http://p:1");
  CHECK(with({{"no_proxy", "*"}}).empty());
  // An exempt host goes direct whatever the variable that named the proxy.
  CHECK(decide("https://example.com/", {{"ALL_PROXY", "q:2"}, {"no_proxy", ".com"}}).empty());
}

TEST_CASE("proxy_env: no_proxy_exempts, names") {
  struct row {
    std::string list;
    std::string host;
    bool exempt;
  };
  const std::vector<row> rows = {
      {"*", "example.com", true},
      {" *", "example.com", false},  // only the whole list "*" is the wildcard
      {"*,other", "example.com", false},
      {"other,*", "example.com", false},
      {"*.example.com", "www.example.com", false},
      {"example.*", "example.com", false},
      {"", "example.com", false},
      {"example.com", "example.com", true},
      {"EXAMPLE.COM", "example.com", true},
      {"example.com", "www.example.com", true},
      {"example.com", "a.b.example.com", true},
      {"example.com", "badexample.com", false},  // a suffix must start a label
      {"ample.com", "example.com", false},
      {"com", "example.com", true},
      {".com", "example.com", true},
      {"a.example.com", "example.com", false},
      {".example.com", "example.com", true},  // one leading dot dropped
      {".example.com", "www.example.com", true},
      {".example.com", "badexample.com", false},
      {"..example.com", "example.com", false},
      {"example.com.", "example.com", true},  // one trailing dot dropped
      {"example.com..", "example.com", false},
      {"example.com", "example.com.", true},  // and one of the host's
      {"example.com.", "example.com.", true},
      {".", "example.com", false},
      {"localhost", "localhost", true},
      {".localhost", "localhost", true},
      // Separators: commas, spaces and tabs, any number; nothing else.
      {"other.org,example.com", "example.com", true},
      {",,example.com,,", "example.com", true},
      {"other.org example.com", "example.com", true},
      {"other.org,  example.com", "example.com", true},
      {"other.org\texample.com", "example.com", true},
      {"other.org;example.com", "example.com", false},
      {"other.org\nexample.com", "example.com", false},
      {"example.com\n", "example.com", false},
      // Ports: never looked at, so an entry with one matches nothing.
      {"example.com:80", "example.com", false},
      {"example.com:8080", "example.com", false},
      {"example.com", "", false},
      {"*", "", false},
  };
  for (const row& r : rows) {
    CAPTURE(r.list);
    CAPTURE(r.host);
    CHECK(httpc::no_proxy_exempts(r.list, r.host) == r.exempt);
  }
}

TEST_CASE("proxy_env: no_proxy_exempts, IP literals") {
  struct row {
    std::string list;
    std::string host;
    bool exempt;
  };
  const std::string long_entry(130, 'x');
  const std::vector<row> rows = {
      {"127.0.0.1", "127.0.0.1", true},
      {"127.0.0.0/8", "127.0.0.1", true},
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "11.1.2.3", false},
      {"127.0.0.1/32", "127.0.0.1", true},
      {"127.0.0.1/0", "127.0.0.1", true},  // 0 bits: the whole address
      {"0.0.0.0/0", "127.0.0.1", false},
      {"127.0.0.1/", "127.0.0.1", true},
      {"127.0.0.0/", "127.0.0.1", false},
      {"127.1.0.0/16", "127.0.0.1", false},
      {"127.0.0.2/31", "127.0.0.1", false},
      {"127.0.0.2/31", "127.0.0.3", true},
      {"127.0.0.1/33", "127.0.0.1", false},
      {"127.0.0.0/8x", "127.0.0.1", true},  // the bits read as atoi reads them
      {"127.0.0.0/+8", "127.0.0.1", true},
      {"127.0.0.0/08", "127.0.0.1", true},
      {"127.0.0.0/-8", "127.0.0.1", false},
      {"127.0.0.0/4294967304", "127.0.0.1", true},  // cut to an int: 8
      {"127.0.0.0/99999999999999999999", "127.0.0.1", false},
      {"127.0.0.1/-99999999999999999999", "127.0.0.1", true},
      {"127.0.0.1:80", "127.0.0.1", false},
      {"0.0.1", "127.0.0.1", false},  // no suffixes for an address
      {".0.0.1", "127.0.0.1", false},
      {"127.0.0.01", "127.0.0.1", false},
      {"127.0.0.1.", "127.0.0.1", false},
      {"localhost", "127.0.0.1", false},
      {"127.0.0.1", "localhost", false},
      {long_entry + ",127.0.0.1", "127.0.0.1", true},
      {"127.0.0.1/" + std::string(126, '0') + "8", "127.0.0.0", false},  // 128 bytes: no match
      // An IPv4 host in shorthand is the address curl's URL parser makes of it.
      {"127.0.0.1", "127.1", true},
      {"127.0.0.1", "127.0.1", true},
      {"127.0.0.1", "0x7f.0.0.1", true},
      {"127.0.0.1", "0x7f000001", true},
      {"127.0.0.1", "2130706433", true},
      {"127.0.0.1", "017700000001", true},
      {"87.0.0.1", "0127.0.0.1", true},
      {"127.0.0.1", "0127.0.0.1", false},
      {"127.0.0.1", "127.0.0.1.1", false},
      {"127.0.0.1", "256.0.0.1", false},
      {"127.0.0.1", "127.0.0.1.", true},  // a name, with its trailing dot dropped
      {"127.0.0.1", "08.0.0.1", false},
      {"127.0.0.1", "0x.0.0.1", false},
      // IPv6 hosts are names in curl 7.88: no CIDR, no brackets, text compared.
      {"::1", "::1", true},
      {"[::1]", "::1", false},
      {"0:0::1", "::1", false},
      {"::1/128", "::1", false},
      {"::/0", "::1", false},
      {"::1.", "::1", true},
      {".::1", "::1", true},
      {"::1", "0:0::1", true},  // the host made canonical when that is shorter
      {"::1", "0:0:0:0:0:0:0:1", true},
      {"::ABCD", "::abcd", true},
      {"::ffff:127.0.0.1", "::ffff:7f00:1", false},  // the canonical form is longer
      {"::ffff:127.0.0.1", "::ffff:127.0.0.1", true},
      {"0.0.1", "::ffff:127.0.0.1", true},  // a name's suffix after a '.'
      {"127.0.0.1", "::ffff:127.0.0.1", false},
  };
  for (const row& r : rows) {
    CAPTURE(r.list);
    CAPTURE(r.host);
    CHECK(httpc::no_proxy_exempts(r.list, r.host) == r.exempt);
  }
}

TEST_CASE("proxy_env: process_environment reads the process's variables") {
  ::setenv("HTTPC_PROXY_ENV_TEST", "value", 1);
  const httpc::environment env = httpc::process_environment();
  CHECK(env("HTTPC_PROXY_ENV_TEST") == std::optional<std::string>("value"));
  ::unsetenv("HTTPC_PROXY_ENV_TEST");
  CHECK_FALSE(env("HTTPC_PROXY_ENV_TEST").has_value());
}

#ifdef HTTPC_CURL
namespace {

using namespace std::chrono_literals;

struct curl_case {
  std::string name;
  std::string target;  // "{t}": the target's port
  variables vars;      // "{a}", "{b}": the two proxies, as host:port
};

std::string substituted(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [from, to] : values)
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  return text;
}

// 'T' for the target, 'A' or 'B' for a proxy; '-' for none, '+' for more than one.
char contacted(const httpc::test::script_server& target, const httpc::test::script_server& a,
               const httpc::test::script_server& b) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  std::size_t total = 0;
  while ((total = target.connections() + a.connections() + b.connections()) == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  if (total != 1) return total == 0 ? '-' : '+';
  return target.connections() ? 'T' : a.connections() ? 'A' : 'B';
}

char ours(const std::string& target, const variables& vars, std::uint16_t a, std::uint16_t b) {
  const std::string proxy = httpc::proxy_from_environment(httpc::parse_url(target), environment_of(vars));
  if (proxy.empty()) return 'T';
  const std::uint16_t port = httpc::parse_url(proxy).port;
  return port == a ? 'A' : port == b ? 'B' : '?';
}

}  // namespace

TEST_CASE("proxy_env: side by side with curl") {
  const std::string a = "{a}", b = "{b}";
  const std::vector<curl_case> cases = {
      {"http_proxy", "http://example.com:{t}/", {{"http_proxy", a}}},
      {"http_proxy with a scheme", "http://example.com:{t}/", {{"http_proxy", "http://" + a}}},
      {"HTTP_PROXY never read", "http://example.com:{t}/", {{"HTTP_PROXY", a}}},
      {"HTTP_PROXY never read, ALL_PROXY", "http://example.com:{t}/", {{"HTTP_PROXY", a}, {"ALL_PROXY", b}}},
      {"http_proxy before all_proxy", "http://example.com:{t}/", {{"http_proxy", a}, {"all_proxy", b}}},
      {"empty http_proxy", "http://example.com:{t}/", {{"http_proxy", ""}, {"all_proxy", b}}},
      {"all_proxy before ALL_PROXY", "http://example.com:{t}/", {{"all_proxy", a}, {"ALL_PROXY", b}}},
      {"empty all_proxy", "http://example.com:{t}/", {{"all_proxy", ""}, {"ALL_PROXY", b}}},
      {"https_proxy before HTTPS_PROXY", "https://example.com:{t}/", {{"https_proxy", a}, {"HTTPS_PROXY", b}}},
      {"empty https_proxy", "https://example.com:{t}/", {{"https_proxy", ""}, {"HTTPS_PROXY", b}}},
      {"HTTPS_PROXY before all_proxy", "https://example.com:{t}/", {{"HTTPS_PROXY", b}, {"all_proxy", a}}},
      {"https ignores http_proxy", "https://example.com:{t}/", {{"http_proxy", a}}},
      {"http ignores https_proxy", "http://example.com:{t}/", {{"https_proxy", a}}},
      {"mixed-case name", "https://example.com:{t}/", {{"Https_Proxy", a}}},
      {"no_proxy, the host", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "example.com"}}},
      {"no_proxy before NO_PROXY", "http://example.com:{t}/",
       {{"http_proxy", a}, {"no_proxy", "other.org"}, {"NO_PROXY", "example.com"}}},
      {"empty no_proxy", "http://example.com:{t}/",
       {{"http_proxy", a}, {"no_proxy", ""}, {"NO_PROXY", "example.com"}}},
      {"NO_PROXY alone", "https://example.com:{t}/", {{"HTTPS_PROXY", a}, {"NO_PROXY", "example.com"}}},
      {"*", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "*"}}},
      {"' *'", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", " *"}}},
      {"* among others", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "other.org,*"}}},
      {"*.domain", "http://www.example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "*.example.com"}}},
      {"leading dot", "http://www.example.com:{t}/", {{"http_proxy", a}, {"no_proxy", ".example.com"}}},
      {"leading dot, the domain itself", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", ".example.com"}}},
      {"domain suffix", "http://a.b.example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "example.com"}}},
      {"not on a label boundary", "http://badexample.com:{t}/", {{"http_proxy", a}, {"no_proxy", "example.com"}}},
      {"trailing dot in the entry", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "example.com."}}},
      {"trailing dot in the host", "http://example.com.:{t}/", {{"http_proxy", a}, {"no_proxy", "example.com"}}},
      {"two leading dots", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "..example.com"}}},
      {"case", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "EXAMPLE.COM"}}},
      {"space separated", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "other.org example.com"}}},
      {"tab separated", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "other.org\texample.com"}}},
      {"semicolon", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "other.org;example.com"}}},
      {"commas and spaces", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", ",, other.org , example.com,"}}},
      {"entry with the port", "http://example.com:{t}/", {{"http_proxy", a}, {"no_proxy", "example.com:{t}"}}},
      {"localhost", "http://localhost:{t}/", {{"http_proxy", a}, {"no_proxy", "localhost"}}},
      {"IPv4", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "127.0.0.1"}}},
      {"IPv4 with the port", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "127.0.0.1:{t}"}}},
      {"IPv4 CIDR", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "127.0.0.0/8"}}},
      {"IPv4 CIDR, outside", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "127.1.0.0/16"}}},
      {"IPv4 /0", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "0.0.0.0/0"}}},
      {"IPv4 suffix", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "0.0.1"}}},
      {"IPv4 shorthand host", "http://127.1:{t}/", {{"http_proxy", a}, {"no_proxy", "127.0.0.1"}}},
      {"IPv4 host, name entry", "http://127.0.0.1:{t}/", {{"http_proxy", a}, {"no_proxy", "localhost"}}},
      {"IPv6", "http://[::1]:{t}/", {{"http_proxy", a}, {"no_proxy", "::1"}}},
      {"IPv6 in brackets", "http://[::1]:{t}/", {{"http_proxy", a}, {"no_proxy", "[::1]"}}},
      {"IPv6 CIDR", "http://[::1]:{t}/", {{"http_proxy", a}, {"no_proxy", "::1/128"}}},
      {"IPv6 host not canonical", "http://[0:0::1]:{t}/", {{"http_proxy", a}, {"no_proxy", "::1"}}},
      {"IPv6 entry not canonical", "http://[::1]:{t}/", {{"http_proxy", a}, {"no_proxy", "0::1"}}},
  };

  std::string seen;
  for (const curl_case& c : cases) {
    CAPTURE(c.name);
    httpc::test::script_server target(httpc::test::server_options{.ipv6 = true});
    httpc::test::script_server proxy_a;
    httpc::test::script_server proxy_b;
    const std::vector<std::pair<std::string, std::string>> ports = {
        {"{t}", std::to_string(target.port())},
        {"{a}", "127.0.0.1:" + std::to_string(proxy_a.port())},
        {"{b}", "127.0.0.1:" + std::to_string(proxy_b.port())}};
    const std::string url = substituted(c.target, ports);
    variables vars;
    std::vector<std::string> argv = {"env", "-i"};
    for (const auto& [name, value] : c.vars) {
      vars.emplace_back(name, substituted(value, ports));
      argv.push_back(name + "=" + vars.back().second);
    }
    // Names reach the target through --resolve, which curl consults only
    // when it connects directly.
    for (std::string arg : {HTTPC_CURL, "-q", "-s", "-o", "/dev/null", "--connect-timeout", "3", "-m", "5",
                            "--resolve", "*:{t}:127.0.0.1"})
      argv.push_back(substituted(arg, ports));
    argv.push_back(url);
    const auto result = httpc::test::run_process(argv, {}, 10s);
    REQUIRE_FALSE(result.timed_out);
    const char by_curl = contacted(target, proxy_a, proxy_b);
    CHECK(by_curl == ours(url, vars, proxy_a.port(), proxy_b.port()));
    seen += by_curl;
  }
  // Each outcome happened: the cases do tell the three listeners apart.
  CHECK(seen.find('T') != std::string::npos);
  CHECK(seen.find('A') != std::string::npos);
  CHECK(seen.find('B') != std::string::npos);
}
#endif
