// libFuzzer target for httpc::response_reader: the receive buffer with its
// parser, as a connection drives it.
//
// Input: byte 0 picks the start size (bits 0-1: 1, 16, 256 or 1024 bytes)
// and small parser limits (bit 2); byte 1 seeds the read sizes; the rest is
// the response stream, read through prepare() / commit() in pieces of those
// sizes, responses one after another (reset() after each).
//
// Checked on every call:
// - a parsed head stays where it was, byte for byte, until reset(): body
//   reads and buffer growth never move it (the views a response hands out
//   point into it);
// - the buffer grows only with bytes that came: its size stays within the
//   start size plus twice the bytes committed plus one body-fill step, and
//   is back at the start size after a reset() that leaves nothing unparsed;
// - the transcript (each head, the body, the end, an error) is the same as
//   when the stream is read in pieces of 64 KiB.

#include "fuzz_check.hpp"

#include <httpc/error.hpp>
#include <httpc/parser.hpp>
#include <httpc/reader.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace {

constexpr std::size_t max_responses = 16;

struct read_sizes {
  std::uint32_t state;
  bool whole;
  std::size_t next() {
    if (whole) return 64 * 1024;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    // Mostly small reads, now and then a large one.
    return (state & 7) == 0 ? 1 + state % 4096 : 1 + state % 17;
  }
};

std::string read_all(std::string_view stream, std::size_t start_size, const httpc::parser_options& options,
                     read_sizes sizes) {
  httpc::response_reader reader(options, start_size);
  std::string transcript;
  std::size_t offset = 0;
  std::size_t committed = 0;
  std::string head_copy;
  const char* head_at = nullptr;
  std::size_t responses = 0;
  std::string body;  // of the current response, however its reads fell
  auto end_body = [&] {
    if (!body.empty()) transcript += "body " + body + "\n";
    body.clear();
  };
  reader.reset("GET");
  for (;;) {
    std::error_code ec;
    const httpc::parse_result result = reader.parse(ec);
    if (result.event != httpc::parse_event::body && result.event != httpc::parse_event::need_more)
      end_body();
    if (head_at != nullptr) {
      FUZZ_CHECK(reader.head().data() == head_at);
      FUZZ_CHECK(reader.head() == head_copy);
    }
    if (ec) {
      end_body();
      transcript += "error " + ec.message() + "\n";
      return transcript;
    }
    switch (result.event) {
      case httpc::parse_event::head:
        if (reader.parser().head_done() && !reader.head().empty()) {
          head_copy = std::string(reader.head());
          head_at = reader.head().data();
          transcript += "head " + std::to_string(reader.parser().status()) + " " + head_copy + "\n";
        }
        break;
      case httpc::parse_event::body:
        body += reader.parser().body();
        break;
      case httpc::parse_event::done:
        transcript += "done\n";
        if (++responses == max_responses) return transcript;
        reader.reset("GET");
        FUZZ_CHECK(reader.capacity() <= reader.start_size() || reader.capacity() == 0 ||
                   !reader.unparsed().empty());
        head_at = nullptr;
        break;
      case httpc::parse_event::need_more: {
        if (offset == stream.size()) {
          end_body();
          const httpc::parse_result end = reader.parser().finish(ec);
          if (ec) {
            transcript += "error " + ec.message() + "\n";
          } else if (end.event == httpc::parse_event::done) {
            transcript += "done at close\n";
          }
          return transcript;
        }
        const std::span<char> room = reader.prepare();
        FUZZ_CHECK(!room.empty());
        const std::size_t n = std::min({room.size(), sizes.next(), stream.size() - offset});
        std::memcpy(room.data(), stream.data() + offset, n);
        offset += n;
        reader.commit(n);
        committed += n;
        FUZZ_CHECK(reader.capacity() <=
                   reader.start_size() + 2 * committed + httpc::response_reader::max_body_fill_size);
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static constexpr std::size_t start_sizes[] = {1, 16, 256, 1024};
  const std::size_t start_size = start_sizes[data[0] & 3];
  httpc::parser_options options;
  if ((data[0] & 4) != 0) {
    options.max_fields = 4;
    options.max_line_length = 64;
    options.max_head_size = 256;
  }
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::string pieces = read_all(stream, start_size, options, {data[1] + 1u, false});
  const std::string whole = read_all(stream, start_size, options, {1, true});
  FUZZ_CHECK(pieces == whole);
  return 0;
}
