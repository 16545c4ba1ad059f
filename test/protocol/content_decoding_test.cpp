// Tests of content decoding (httpc/content_decoding.hpp): each coding and
// stacks of them, split at every byte and read through tiny buffers;
// corrupt, truncated and trailing bytes; codings refused; a bomb read in
// bounded steps. Data made by the codec libraries' encoders.
#include "httpc/content_decoding.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "httpc/error.hpp"
#include "httpc/parser.hpp"
#include "support/encoders.hpp"

using namespace std::literals;
using httpc::codings;
using httpc::content_decoder;
namespace enc = test_encoders;

namespace {

// The helpers below go unused in a build without the codec libraries.

struct outcome {
  std::string body;
  std::error_code ec;
};

// Decodes `data` given in pieces that end at `cuts` (ascending), through an
// output buffer of `out_size` bytes, as a connection's reader would; checks
// the decoder's contract on the way.
outcome decode_pieces(std::string_view coding, std::string_view data, std::vector<std::size_t> cuts,
                      std::size_t out_size, codings allowed = codings::all) {
  outcome r;
  content_decoder d(coding, allowed, r.ec);
  if (r.ec) return r;
  std::vector<char> buffer(out_size);
  cuts.push_back(data.size());
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    std::string_view piece = data.substr(from, cut - from);
    from = cut;
    const bool end = cut == data.size();
    for (;;) {
      const std::size_t n = d.decode(piece, buffer, end, r.ec);
      REQUIRE(n <= buffer.size());
      r.body.append(buffer.data(), n);
      if (r.ec) return r;
      if (n < buffer.size()) {
        REQUIRE(piece.empty());  // room left: the piece was consumed
        break;
      }
    }
    if (end) break;
  }
  return r;
}

[[maybe_unused]] outcome decode_whole(std::string_view coding, std::string_view data, std::size_t out_size = 64 * 1024) {
  return decode_pieces(coding, data, {}, out_size);
}

// Every split in two, then a byte at a time, each through output buffers
// of 1 byte, 7 bytes and 64 KiB: the same body every time.
[[maybe_unused]] void check_every_split(std::string_view coding, std::string_view data, std::string_view expected) {
  for (const std::size_t out_size : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
    CAPTURE(out_size);
    for (std::size_t cut = 0; cut <= data.size(); ++cut) {
      CAPTURE(cut);
      const outcome r = decode_pieces(coding, data, {cut}, out_size);
      REQUIRE_FALSE(r.ec);
      REQUIRE(r.body == expected);
    }
    std::vector<std::size_t> bytes;
    for (std::size_t i = 1; i < data.size(); ++i) bytes.push_back(i);
    const outcome r = decode_pieces(coding, data, bytes, out_size);
    REQUIRE_FALSE(r.ec);
    REQUIRE(r.body == expected);
  }
}

// Every proper prefix is truncated.
[[maybe_unused]] void check_truncations(std::string_view coding, std::string_view data) {
  for (std::size_t size = 1; size < data.size(); ++size) {
    CAPTURE(size);
    CHECK(decode_whole(coding, data.substr(0, size)).ec == httpc::error::bad_content_encoding);
  }
}

}  // namespace

TEST_CASE("available codings and the Accept-Encoding value for a set") {
  codings built = codings::none;
#if HTTPC_HAS_ZLIB
  built |= codings::gzip | codings::deflate;
#endif
#if HTTPC_HAS_BROTLI
  built |= codings::br;
#endif
#if HTTPC_HAS_ZSTD
  built |= codings::zstd;
#endif
  CHECK(httpc::available_codings() == built);
  CHECK(httpc::accept_encoding(codings::all) == "gzip, deflate, br, zstd");
  CHECK(httpc::accept_encoding(codings::zstd | codings::gzip) == "gzip, zstd");
  CHECK(httpc::accept_encoding(codings::br) == "br");
  CHECK(httpc::accept_encoding(codings::none).empty());
  CHECK(httpc::contains(codings::all, codings::br | codings::zstd));
  CHECK_FALSE(httpc::contains(codings::gzip, codings::br));
}

TEST_CASE("no coding, identity and empty elements leave the decoder inactive; it copies") {
  for (const auto value : {""sv, "identity"sv, " IDENTITY , ,identity"sv, ","sv}) {
    CAPTURE(value);
    std::error_code ec;
    content_decoder d(value, codings::none, ec);
    CHECK_FALSE(ec);
    CHECK_FALSE(d.active());
    std::string_view in = "abcdef";
    char out[4];
    CHECK(d.decode(in, out, false, ec) == 4);
    CHECK(std::string_view(out, 4) == "abcd");
    CHECK(in == "ef");
  }
  CHECK_FALSE(content_decoder().active());
}

TEST_CASE("an unknown coding, one not allowed, or too many are unsupported_content_encoding") {
  for (const auto value : {"compress"sv, "gzip, x-compress"sv, "gzip;q=1"sv, "gzip gzip"sv,
                           "gzip, gzip, gzip, gzip, gzip"sv}) {
    CAPTURE(value);
    std::error_code ec;
    content_decoder d(value, codings::all, ec);
    CHECK(ec == httpc::error::unsupported_content_encoding);
    CHECK_FALSE(d.active());
  }
#if HTTPC_HAS_ZLIB
  std::error_code ec;
  content_decoder not_allowed("gzip", codings::br | codings::zstd, ec);
  CHECK(ec == httpc::error::unsupported_content_encoding);
  ec.clear();
  content_decoder four("gzip, gzip, gzip, identity, gzip", codings::gzip, ec);
  CHECK_FALSE(ec);
  CHECK(four.active());
#endif
}

#if HTTPC_HAS_ZLIB
TEST_CASE("gzip and x-gzip, any case, split anywhere, through tiny buffers") {
  const std::string text = enc::sample_text(700);
  const std::string coded = enc::gzip(text);
  check_every_split("gzip", coded, text);
  CHECK(decode_whole("X-GZip", coded).body == text);
  CHECK(decode_whole(" identity, gzip ", coded).body == text);
}

TEST_CASE("gzip: concatenated members are one body, as gzip -dc reads them") {
  const std::string coded = enc::gzip("first ") + enc::gzip("") + enc::gzip("second");
  check_every_split("gzip", coded, "first second");
}

TEST_CASE("gzip: truncated anywhere, corrupt, or followed by garbage is bad_content_encoding") {
  const std::string text = enc::sample_text(300);
  const std::string coded = enc::gzip(text);
  check_truncations("gzip", coded);
  std::string flipped = coded;
  flipped[flipped.size() - 6] ^= 0x01;  // the CRC-32
  CHECK(decode_whole("gzip", flipped).ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("gzip", "this is not gzip data").ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("gzip", coded + "x").ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("gzip", coded + std::string(4, '\0')).ec == httpc::error::bad_content_encoding);
  // A member cut short, even when more members came first.
  CHECK(decode_whole("gzip", coded + coded.substr(0, 12)).ec == httpc::error::bad_content_encoding);
}

TEST_CASE("deflate: zlib-wrapped or raw, told apart by the first two bytes") {
  const std::string text = enc::sample_text(500);
  check_every_split("deflate", enc::zlib(text), text);
  check_every_split("deflate", enc::raw_deflate(text), text);
  check_truncations("deflate", enc::zlib(text));
  check_truncations("deflate", enc::raw_deflate(text));
  CHECK(decode_whole("deflate", enc::zlib(text) + "x").ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("deflate", enc::raw_deflate(text) + "x").ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("deflate", enc::zlib("a") + enc::zlib("b")).ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("deflate", "x").ec == httpc::error::bad_content_encoding);
  std::string flipped = enc::zlib(text);
  flipped.back() ^= 0x01;  // the Adler-32
  CHECK(decode_whole("deflate", flipped).ec == httpc::error::bad_content_encoding);
}
#endif

#if HTTPC_HAS_BROTLI
TEST_CASE("br: split anywhere, through tiny buffers; truncated, corrupt or trailing bytes fail") {
  const std::string text = enc::sample_text(600);
  const std::string coded = enc::brotli(text);
  check_every_split("br", coded, text);
  check_truncations("br", coded);
  CHECK(decode_whole("br", coded + "x").ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("br", coded + coded).ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("br", "\xff\xff\xff\xff garbage"sv).ec == httpc::error::bad_content_encoding);
}
#endif

#if HTTPC_HAS_ZSTD
TEST_CASE("zstd: split anywhere, through tiny buffers; frames one after another") {
  const std::string text = enc::sample_text(600);
  const std::string coded = enc::zstd(text);
  check_every_split("zstd", coded, text);
  check_every_split("zstd", coded + enc::zstd("tail"), text + "tail");
}

TEST_CASE("zstd: truncated, corrupt, trailing bytes, a window over 8 MiB fail") {
  const std::string text = enc::sample_text(600);
  const std::string coded = enc::zstd(text);
  check_truncations("zstd", coded);
  CHECK(decode_whole("zstd", coded + "x").ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("zstd", coded + std::string(8, '\0')).ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("zstd", "\x28\xb5\x2f\xfd garbage"sv).ec == httpc::error::bad_content_encoding);
  // A frame announcing 58 bytes and giving none (an empty last block),
  // split anywhere and read through any buffer (the fuzzer's find).
  std::string wrong_size = enc::zstd("", 1);
  REQUIRE(wrong_size.size() == 9);
  wrong_size[5] = '\x3a';
  for (const std::size_t out_size : {std::size_t{1}, std::size_t{65536}})
    for (std::size_t cut = 0; cut <= wrong_size.size(); ++cut)
      CHECK(decode_pieces("zstd", wrong_size, {cut}, out_size).ec == httpc::error::bad_content_encoding);

  // A frame that asks for a 32 MiB window (its size unknown when it began).
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 25);
  std::string big(ZSTD_compressBound(text.size()) + 64, '\0');
  ZSTD_outBuffer out{big.data(), big.size(), 0};
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  REQUIRE(ZSTD_compressStream2(c, &out, &in, ZSTD_e_continue) == 0);
  ZSTD_inBuffer none{nullptr, 0, 0};
  REQUIRE(ZSTD_compressStream2(c, &out, &none, ZSTD_e_end) == 0);
  ZSTD_freeCCtx(c);
  big.resize(out.pos);
  CHECK(decode_whole("zstd", big).ec == httpc::error::bad_content_encoding);
}
#endif

#if HTTPC_HAS_ZLIB && HTTPC_HAS_BROTLI && HTTPC_HAS_ZSTD
TEST_CASE("stacked codings are undone last first, split anywhere, through tiny buffers") {
  const std::string text = enc::sample_text(400);
  // "gzip, br": gzip applied first, then br.
  check_every_split("gzip, br", enc::brotli(enc::gzip(text)), text);
  check_every_split("deflate,zstd , x-gzip", enc::gzip(enc::zstd(enc::zlib(text))), text);
  check_every_split("br, gzip, identity, gzip", enc::gzip(enc::gzip(enc::brotli(text))), text);
  // Large enough that the buffers between stages fill many times.
  const std::string large = enc::sample_text(300 * 1024);
  const std::string coded = enc::zstd(enc::brotli(enc::gzip(large)));
  CHECK(decode_whole("gzip, br, zstd", coded, 1000).body == large);
  CHECK(decode_pieces("gzip, br, zstd", coded, {1, 100, 5000}, 100000).body == large);
}

TEST_CASE("stacked codings: a stage truncated, corrupt or with trailing bytes fails") {
  const std::string text = enc::sample_text(400);
  const std::string inner = enc::gzip(text);
  check_truncations("gzip, zstd", enc::zstd(inner));
  // The outer coding is whole; the inner one is cut short or has garbage.
  CHECK(decode_whole("gzip, zstd", enc::zstd(inner.substr(0, inner.size() - 3))).ec ==
        httpc::error::bad_content_encoding);
  CHECK(decode_whole("gzip, br", enc::brotli(inner + "junk")).ec == httpc::error::bad_content_encoding);
  CHECK(decode_whole("br, gzip", enc::gzip(inner)).ec == httpc::error::bad_content_encoding);
}

TEST_CASE("repeated Content-Encoding fields are one list, in order") {
  const std::string text = enc::sample_text(200);
  const std::string coded = enc::zstd(enc::brotli(enc::gzip(text)));
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nX: y\r\ncontent-encoding: br, "
                           "identity\r\nCONTENT-ENCODING: zstd\r\nContent-Length: 0\r\n\r\n";
  httpc::response_parser parser;
  std::error_code ec;
  parser.parse(head, ec);
  REQUIRE_FALSE(ec);
  content_decoder d(parser.fields(), codings::all, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(d.active());
  std::string_view in = coded;
  std::string out(text.size() + 10, '\0');
  const std::size_t n = d.decode(in, out, true, ec);
  CHECK_FALSE(ec);
  CHECK(out.substr(0, n) == text);

  content_decoder refused(parser.fields(), codings::gzip | codings::br, ec);
  CHECK(ec == httpc::error::unsupported_content_encoding);
}
#endif

#if HTTPC_HAS_ZLIB
TEST_CASE("an empty body is no error, whatever its codings") {
  for (const auto value : {"gzip"sv, "deflate"sv, "br"sv, "zstd"sv, "gzip, br, zstd"sv}) {
    CAPTURE(value);
    std::error_code ec;
    content_decoder d(value, httpc::available_codings(), ec);
    if (ec) continue;  // a codec left out of this build
    std::string_view in;
    char out[16];
    CHECK(d.decode(in, out, true, ec) == 0);
    CHECK_FALSE(ec);
  }
}

TEST_CASE("a failed decoder stays failed") {
  std::error_code ec;
  content_decoder d("gzip", codings::gzip, ec);
  std::string_view in = "garbage!";
  char out[16];
  d.decode(in, out, false, ec);
  CHECK(ec == httpc::error::bad_content_encoding);
  ec.clear();
  const std::string good = enc::gzip("x");
  in = good;
  CHECK(d.decode(in, out, true, ec) == 0);
  CHECK(ec == httpc::error::bad_content_encoding);
}

TEST_CASE("a bomb comes out a buffer at a time: 64 MiB of zeros from about 64 KiB") {
  const std::string coded = enc::gzip(std::string(64 << 20, '\0'), 9);
  CHECK(coded.size() < 128 * 1024);
  std::error_code ec;
  content_decoder d("gzip", codings::gzip, ec);
  std::string_view in = coded;
  std::vector<char> out(4096);
  // One call gives one buffer's worth and leaves most of the input.
  CHECK(d.decode(in, out, true, ec) == out.size());
  CHECK(in.size() > coded.size() / 2);
  std::size_t total = out.size();
  for (;;) {
    const std::size_t n = d.decode(in, out, true, ec);
    REQUIRE_FALSE(ec);
    total += n;
    if (n < out.size()) break;
  }
  CHECK(total == std::size_t{64} << 20);
}
#endif
