// One URL's request (tool/request.hpp): the method's precedence (-X over
// -I over the body's), the tool's fields and -H over them, -d's joins and
// files, -u, -T's URL and length.
#include "request.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

using httpc::tool::options;
using httpc::tool::prepare_request;
using httpc::tool::prepared_request;

namespace {

prepared_request prepare(const options& o, const std::string& url = "http://h/p") {
  prepared_request r;
  std::string error, warnings;
  REQUIRE(prepare_request(o, url, r, error, warnings) == httpc::tool::ok);
  CHECK(error.empty());
  return r;
}

}  // namespace

TEST_CASE("request: GET with the tool's own fields") {
  const auto r = prepare(options{});
  CHECK(r.method == "GET");
  CHECK(r.url == "http://h/p");
  CHECK(r.headers == httpc::Headers{{"User-Agent", "httpc/" HTTPC_VERSION}, {"Accept", "*/*"}});
  CHECK(r.body().kind() == httpc::body_kind::none);
}

TEST_CASE("request: the method: -X over -I over the body's") {
  options o;
  o.data.push_back({"a=1", false, false});
  CHECK(prepare(o).method == "POST");
  o.head = true;
  CHECK(prepare(o).method == "HEAD");
  o.method = "PATCH";
  CHECK(prepare(o).method == "PATCH");
}

TEST_CASE("request: -d parts joined with &, a file's CR and LF dropped but with --data-binary") {
  const std::string path = "request_test_data.txt";
  std::ofstream(path, std::ios::binary) << "x=1\r\ny=2\n";
  options o;
  o.data = {{"a=1", false, false}, {path, true, false}, {path, true, true}};
  const auto r = prepare(o);
  std::remove(path.c_str());
  CHECK(r.data == "a=1&x=1y=2&x=1\r\ny=2\n");
  CHECK(r.body().bytes() == r.data);
  CHECK(r.headers.back() == std::pair<std::string, std::string>{"Content-Type", "application/x-www-form-urlencoded"});
}

TEST_CASE("request: a -d file that cannot be read is a warning and an empty part") {
  options o;
  o.data = {{"/nonexistent-dir/none", true, false}};
  prepared_request r;
  std::string error, warnings;
  CHECK(prepare_request(o, "http://h/", r, error, warnings) == httpc::tool::ok);
  CHECK(r.data.empty());
  CHECK(warnings.find("/nonexistent-dir/none") != std::string::npos);
}

TEST_CASE("request: -H replaces, removes, sends empty; -u") {
  options o;
  o.headers = {"Accept:", "User-Agent: mine", "X-Empty;", "X-A:   spaced", "no colon"};
  o.user = "me:pw";
  const auto r = prepare(o);
  CHECK(r.headers == httpc::Headers{{"Authorization", "Basic bWU6cHc="},
                                    {"User-Agent", "mine"},
                                    {"X-Empty", ""},
                                    {"X-A", "spaced"}});
}

TEST_CASE("request: -T gets the file's name on a directory URL, PUT, and its length") {
  const std::string path = "request_test_upload.bin";
  std::ofstream(path, std::ios::binary) << "12345";
  options o;
  o.upload_file = path;
  const auto dir = prepare(o, "http://h/up/?x=1");
  CHECK(dir.url == "http://h/up/request_test_upload.bin?x=1");
  CHECK(dir.method == "PUT");
  CHECK(dir.headers.back() == std::pair<std::string, std::string>{"Content-Length", "5"});
  CHECK(dir.body().kind() == httpc::body_kind::streaming);
  CHECK(prepare(o, "http://h:8080").url == "http://h:8080/request_test_upload.bin");
  CHECK(prepare(o, "http://h/name").url == "http://h/name");
  std::remove(path.c_str());

  prepared_request missing;
  std::string error, warnings;
  CHECK(prepare_request(o, "http://h/", missing, error, warnings) == httpc::tool::read_error);
  CHECK(error.find(path) != std::string::npos);
}
