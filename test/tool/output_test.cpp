// Outputs (tool/output.hpp): a file made at the first write, -O's name from
// the URL, and the failures that are exit 23.
#include "output.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

using httpc::tool::output;
using httpc::tool::output_target;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("output: -o makes its file at the first write, not before") {
  const std::string path = "output_test_file.bin";
  std::remove(path.c_str());
  const output_target target{path, false};
  {
    output out(&target, "http://h/x");
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(out.to_stdout());
  }
  CHECK_FALSE(std::filesystem::exists(path));
  {
    output out(&target, "http://h/x");
    CHECK(out.write("ab"));
    CHECK(out.write("cd"));
  }
  CHECK(read_file(path) == "abcd");
  std::remove(path.c_str());
}

TEST_CASE("output: -O names the file after the URL's last segment") {
  const output_target remote{"", true};
  {
    output out(&remote, "http://h/dir/output_test_named.txt?q=1#f");
    CHECK(out.write("x"));
  }
  CHECK(read_file("output_test_named.txt") == "x");
  std::remove("output_test_named.txt");
  output none(&remote, "http://h/dir/");
  CHECK(none.failure() == "remote file name has no length");
  CHECK_FALSE(none.write("x"));
  CHECK_FALSE(output(&remote, "http://h").failure().empty());
}

TEST_CASE("output: a file that cannot be made") {
  const output_target target{"/nonexistent-dir/out", false};
  output out(&target, "http://h/");
  CHECK_FALSE(out.write("x"));
  CHECK(out.failure() == "failed to open /nonexistent-dir/out for writing");
}

TEST_CASE("output: stdout without a target") {
  output out(nullptr, "http://h/");
  CHECK(out.to_stdout());
}
