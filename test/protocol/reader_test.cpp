// Tests of the receive buffer with its parser (httpc/reader.hpp).
#include "httpc/reader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;

namespace {

// What a run of responses came to.
struct response_seen {
  std::string reason;
  std::string head;
  std::string body;
  std::string trailers;  // "name: value\n" each
};

// Delivers `stream` to the reader through prepare()/commit(), never past the
// next cut (a read ends at each), and parses `count` responses, each to a
// request with `method`. Checks on the way that each head's views stay where
// they were, with the same bytes, until the response is done.
std::vector<response_seen> read_responses(httpc::response_reader& reader, std::string_view stream,
                                          std::vector<std::size_t> cuts, std::size_t count,
                                          std::string_view method = "GET") {
  cuts.push_back(stream.size());
  std::vector<response_seen> seen;
  std::size_t delivered = 0;
  std::size_t cut = 0;
  response_seen current;
  std::string_view reason_view;
  std::string_view head_view;
  reader.reset(method);
  while (seen.size() < count) {
    std::error_code ec;
    const auto result = reader.parse(ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    switch (result.event) {
      case httpc::parse_event::head:
        reason_view = reader.parser().reason();
        head_view = reader.head();
        current.reason = reason_view;
        current.head = head_view;
        break;
      case httpc::parse_event::body:
        current.body += reader.parser().body();
        break;
      case httpc::parse_event::done:
        CHECK(reason_view == current.reason);
        CHECK(head_view == current.head);
        CHECK(reader.head().data() == head_view.data());
        CHECK(reader.parser().reason().data() == reason_view.data());
        for (const auto field : reader.parser().trailers())
          current.trailers += std::string(field.name) + ": " + std::string(field.value) + "\n";
        seen.push_back(std::move(current));
        current = {};
        if (seen.size() < count) reader.reset(method);
        break;
      case httpc::parse_event::interim:
        break;
      case httpc::parse_event::need_more: {
        REQUIRE(delivered < stream.size());
        while (cuts[cut] <= delivered) ++cut;
        const std::span<char> room = reader.prepare();
        REQUIRE(!room.empty());
        const std::size_t n = std::min(room.size(), cuts[cut] - delivered);
        std::memcpy(room.data(), stream.data() + delivered, n);
        reader.commit(n);
        delivered += n;
        break;
      }
    }
  }
  return seen;
}

const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello";
const std::string second =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n";
const std::string third = "HTTP/1.1 204 No Content\r\n\r\n";

void check_three(const std::vector<response_seen>& seen) {
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].reason == "OK");
  CHECK(seen[0].head == first.substr(0, first.size() - 5));
  CHECK(seen[0].body == "hello");
  CHECK(seen[1].reason == "Created");
  CHECK(seen[1].body == "abcde");
  CHECK(seen[1].trailers == "T: v\n");
  CHECK(seen[2].reason == "No Content");
  CHECK(seen[2].body.empty());
}

}  // namespace

TEST_CASE("three responses split at every byte, once and twice") {
  const std::string stream = first + second + third;
  for (std::size_t start_size : {std::size_t{1}, std::size_t{16}, std::size_t{2048}}) {
    CAPTURE(start_size);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
      CAPTURE(i);
      httpc::response_reader reader({}, start_size);
      check_three(read_responses(reader, stream, {i}, 3));
      for (std::size_t j = i + 1; j < stream.size(); j += 7) {
        CAPTURE(j);
        httpc::response_reader again({}, start_size);
        check_three(read_responses(again, stream, {i, j}, 3));
      }
    }
  }
}

TEST_CASE("a byte at a time") {
  const std::string stream = first + second + third;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  httpc::response_reader reader({}, 8);
  check_three(read_responses(reader, stream, cuts, 3));
}

TEST_CASE("the buffer starts at its start size, allocated with the first prepare()") {
  httpc::response_reader reader({}, 64);
  CHECK(reader.capacity() == 0);
  CHECK(reader.unparsed().empty());
  CHECK(reader.prepare().size() == 64);
  CHECK(reader.capacity() == 64);
  httpc::response_reader by_default;
  CHECK(by_default.prepare().size() == httpc::response_reader::default_start_size);
}

TEST_CASE("a head larger than the buffer grows it, doubling") {
  const std::string head = "HTTP/1.1 200 OK\r\nX-Long: " + std::string(300, 'v') + "\r\nContent-Length: 2\r\n\r\n";
  httpc::response_reader reader({}, 32);
  const auto seen = read_responses(reader, head + "ok", {}, 1);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].head == head);
  CHECK(seen[0].body == "ok");
  CHECK(reader.capacity() == 512);  // 32, 64, ..., 512: the first to hold head and body
}

TEST_CASE("growth is in steps of at most max_growth_step") {
  const std::size_t step = httpc::response_reader::max_growth_step;
  const std::string head = "HTTP/1.1 200 OK\r\nX-Long: " + std::string(3 * step, 'v') + "\r\nContent-Length: 0\r\n\r\n";
  httpc::response_reader reader(httpc::parser_options{.max_line_length = 4 * step}, step);
  const auto seen = read_responses(reader, head, {}, 1);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].head == head);
  CHECK(reader.capacity() == 4 * step);
}

TEST_CASE("an announced Content-Length allocates nothing") {
  httpc::response_reader reader({}, 256);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n";
  const std::span<char> room = reader.prepare();
  std::memcpy(room.data(), head.data(), head.size());
  reader.commit(head.size());
  std::error_code ec;
  CHECK(reader.parse(ec).event == httpc::parse_event::head);
  CHECK(reader.parse(ec).event == httpc::parse_event::need_more);
  CHECK(reader.prepare().size() == 256 - head.size());
  CHECK(reader.capacity() == 256);
}

TEST_CASE("the head stays in place while the body outgrows the buffer, and the buffer shrinks back") {
  const std::string head = "HTTP/1.1 200 Fine\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string stream =
      head + "4;ext=" + std::string(5000, 'e') + "\r\nbody\r\n0\r\nT: " + std::string(3000, 't') + "\r\n\r\n";
  httpc::response_reader reader({}, 128);
  reader.reset();
  std::string_view reason;
  std::string_view head_view;
  std::string body;
  std::size_t delivered = 0;
  for (;;) {
    std::error_code ec;
    const auto result = reader.parse(ec);
    REQUIRE(!ec);
    if (result.event == httpc::parse_event::head) {
      reason = reader.parser().reason();
      head_view = reader.head();
    } else if (result.event == httpc::parse_event::body) {
      body += reader.parser().body();
    } else if (result.event == httpc::parse_event::done) {
      break;
    } else if (result.event == httpc::parse_event::need_more) {
      REQUIRE(delivered < stream.size());
      const std::span<char> room = reader.prepare();
      const std::size_t n = std::min(room.size(), stream.size() - delivered);
      std::memcpy(room.data(), stream.data() + delivered, n);
      reader.commit(n);
      delivered += n;
    }
  }
  CHECK(body == "body");
  CHECK(reader.capacity() > 128);
  // Under AddressSanitizer, a view into a block that was freed fails here.
  CHECK(reason == "Fine");
  CHECK(head_view == head);
  CHECK(reader.head().data() == head_view.data());
  CHECK(reader.parser().trailers().find("T")->size() == 3000);
  reader.shrink();
  CHECK(reason == "Fine");  // the head's block is kept until reset()
  CHECK(reader.capacity() <= 128);
  reader.reset();
  CHECK(reader.head().empty());
  CHECK(reader.prepare().size() == 128);
}

TEST_CASE("body reads that fill the buffer grow it, up to max_body_fill_size") {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n";
  httpc::response_reader reader({}, 1024);
  reader.reset();
  std::span<char> room = reader.prepare();
  std::memcpy(room.data(), head.data(), head.size());
  reader.commit(head.size());
  std::error_code ec;
  REQUIRE(reader.parse(ec).event == httpc::parse_event::head);
  const char* head_at = reader.head().data();
  std::size_t sizes_seen = 0;
  std::size_t last = 0;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(reader.parse(ec).event == httpc::parse_event::need_more);
    room = reader.prepare();
    if (room.size() != last) ++sizes_seen;
    last = room.size();
    std::memset(room.data(), 'b', room.size());
    reader.commit(room.size());
    REQUIRE(reader.parse(ec).event == httpc::parse_event::body);
    CHECK(reader.parser().body().size() == room.size());
  }
  CHECK(sizes_seen > 2);
  CHECK(reader.capacity() == httpc::response_reader::max_body_fill_size);
  CHECK(reader.head().data() == head_at);
  CHECK(reader.head() == head);
}

TEST_CASE("reads that leave room do not grow the buffer; all parsed, a read starts from the floor") {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  httpc::response_reader reader({}, 256);
  for (int i = 0; i < 10; ++i) {
    const auto seen = read_responses(reader, response, {}, 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].body == "hello");
    CHECK(reader.capacity() == 256);
    reader.reset();
    CHECK(reader.prepare().size() == 256);
  }
}

TEST_CASE("unparsed bytes move down to the head's end, never over it") {
  // The head, then a body that comes in pieces; the last piece meets the
  // buffer's end while earlier bytes were parsed: they make room.
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  httpc::response_reader reader({}, 128);
  reader.reset();
  std::span<char> room = reader.prepare();
  std::memcpy(room.data(), head.data(), head.size());
  reader.commit(head.size());
  std::error_code ec;
  REQUIRE(reader.parse(ec).event == httpc::parse_event::head);
  const std::string_view head_view = reader.head();
  // A chunk-size line split by the buffer's end: "5\r\nhello\r\n" then a long
  // extension that needs the room the first chunk's bytes leave.
  const std::string chunks = "5\r\nhello\r\n1;" + std::string(60, 'x') + "\r\n!\r\n0\r\n\r\n";
  std::size_t delivered = 0;
  std::string body;
  for (;;) {
    const auto result = reader.parse(ec);
    REQUIRE(!ec);
    if (result.event == httpc::parse_event::done) break;
    if (result.event == httpc::parse_event::body) body += reader.parser().body();
    if (result.event != httpc::parse_event::need_more) continue;
    REQUIRE(delivered < chunks.size());
    room = reader.prepare();
    const std::size_t n = std::min(room.size(), chunks.size() - delivered);
    std::memcpy(room.data(), chunks.data() + delivered, n);
    reader.commit(n);
    delivered += n;
  }
  CHECK(body == "hello!");
  CHECK(reader.capacity() == 128);
  CHECK(reader.head().data() == head_view.data());
  CHECK(head_view == head);
}

TEST_CASE("a failed head leaves its bytes unparsed, as received") {
  httpc::response_reader reader(httpc::parser_options{.strict = true}, 64);
  reader.reset();
  const std::string garbage = "garbage\r\n\r\n";
  const std::span<char> room = reader.prepare();
  std::memcpy(room.data(), garbage.data(), garbage.size());
  reader.commit(garbage.size());
  std::error_code ec;
  reader.parse(ec);
  CHECK(ec == httpc::error::bad_status_line);
  CHECK(reader.unparsed() == garbage);
}

TEST_CASE("clear() forgets every byte and goes back to the start size") {
  httpc::response_reader reader({}, 16);
  const auto seen = read_responses(reader, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + std::string(40, 'x'), {}, 1);
  REQUIRE(seen.size() == 1);
  const std::span<char> room = reader.prepare();
  std::memcpy(room.data(), "HTTP", 4);
  reader.commit(4);
  reader.clear();
  CHECK(reader.unparsed().empty());
  CHECK(reader.head().empty());
  CHECK(reader.prepare().size() == 16);
}
