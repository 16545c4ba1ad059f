// Streamed bodies (tool/upload.hpp): the producer's pieces make exactly the
// file, or the multipart body, of the announced size; a file is read a
// piece at a time; a missing file is refused up front.
#include "upload.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using httpc::tool::upload;

namespace {

// Every piece the producer yields, in order.
std::vector<std::string> drain(upload& u) {
  asio::io_context io;
  std::vector<std::string> pieces;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        while (auto piece = co_await u.producer()) pieces.push_back(std::move(*piece));
      },
      asio::detached);
  io.run();
  return pieces;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string all;
  for (const auto& p : pieces) all += p;
  return all;
}

}  // namespace

TEST_CASE("upload: a file in pieces of at most 64 KiB, its size up front") {
  const std::string path = "upload_test_file.bin";
  const std::string content(150000, 'q');
  std::ofstream(path, std::ios::binary) << content;
  std::string error;
  auto u = httpc::tool::file_upload(path, error);
  REQUIRE(u);
  CHECK(u->size == std::optional<std::uint64_t>(content.size()));
  const auto pieces = drain(*u);
  std::remove(path.c_str());
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[0].size() == 65536);
  CHECK((joined(pieces) == content));
  CHECK(u->state->sent == content.size());
}

TEST_CASE("upload: multipart/form-data, byte for byte") {
  const std::string path = "upload_test_note.xml";
  std::ofstream(path, std::ios::binary) << "{}";
  std::string error;
  auto u = httpc::tool::form_upload({{"a\"b", "v", false}, {"f", path, true}}, "XYZ", error);
  REQUIRE(u);
  const std::string expected =
      "--XYZ\r\nContent-Disposition: form-data; name=\"a%22b\"\r\n\r\nv\r\n"
      "--XYZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"upload_test_note.xml\"\r\n"
      "Content-Type: application/xml\r\n\r\n{}\r\n--XYZ--\r\n";
  CHECK(u->content_type == "multipart/form-data; boundary=XYZ");
  CHECK(u->size == std::optional<std::uint64_t>(expected.size()));
  CHECK(joined(drain(*u)) == expected);
  std::remove(path.c_str());
  // An extension not in curl's list: octet-stream, as curl sends it.
  std::ofstream("upload_test_data.json", std::ios::binary) << "{}";
  auto other = httpc::tool::form_upload({{"f", "upload_test_data.json", true}}, "B", error);
  REQUIRE(other);
  CHECK(joined(drain(*other)).find("Content-Type: application/octet-stream\r\n") != std::string::npos);
  std::remove("upload_test_data.json");
}

TEST_CASE("upload: stdin (-T -) has no length up front") {
  std::string error;
  const auto u = httpc::tool::file_upload("-", error);
  REQUIRE(u);
  CHECK_FALSE(u->size);
}

TEST_CASE("upload: a missing file is refused before anything is sent") {
  std::string error;
  CHECK_FALSE(httpc::tool::file_upload("/nonexistent-dir/x", error));
  CHECK(error.starts_with("cannot read /nonexistent-dir/x"));
  CHECK_FALSE(httpc::tool::form_upload({{"f", "/nonexistent-dir/y", true}}, "B", error));
}

TEST_CASE("upload: boundaries are 40 characters and differ") {
  const std::string a = httpc::tool::make_boundary(), b = httpc::tool::make_boundary();
  CHECK(a.size() == 40);
  CHECK(a.starts_with("------------------------"));
  CHECK(a != b);
}
