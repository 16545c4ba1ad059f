// Decodes a coded file with httpc's content_decoder as the pool does: the
// input in pieces the size of a receive buffer's reads (views, no copy),
// the output through a fixed buffer, dropped. bench/run times it beside
// `gzip -dc`, `brotli -dc` and `zstd -dc` on the same file.
//
//   httpc-bench-decode CODING FILE [ROUNDS]
//
// CODING is a Content-Encoding value (gzip, deflate, br, zstd, or a list).
// Prints `decoded <bytes> in <seconds> s: <MB/s> MB/s` (wall time of the
// decoding alone, after the file was read; decoded bytes of all rounds).

#include <httpc/content_decoding.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/core.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: {} CODING FILE [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::string_view coding = argv[1];
  std::ifstream file(argv[2], std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.eof() && !file) {
    fmt::print(stderr, "cannot read {}\n", argv[2]);
    return 1;
  }
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 1;
  // The core's receive buffer reads at most 64 KiB at a time; the pool's
  // streaming reader hands the caller's buffer to the decoder.
  constexpr std::size_t piece_size = 64 * 1024;
  std::vector<char> out(64 * 1024);
  std::size_t decoded = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    std::error_code ec;
    httpc::content_decoder decoder(coding, httpc::codings::all, ec);
    for (std::size_t at = 0; !ec;) {
      std::string_view piece = std::string_view(data).substr(at, piece_size);
      at += piece.size();
      const bool end = at == data.size();
      std::size_t n = 0;
      do {
        n = decoder.decode(piece, out, end, ec);
        decoded += n;
      } while (!ec && n == out.size());
      if (end) break;
    }
    if (ec) {
      fmt::print(stderr, "{}: {}\n", argv[2], ec.message());
      return 1;
    }
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  fmt::print("decoded {} in {:.3f} s: {:.1f} MB/s\n", decoded, took.count(), decoded / took.count() / 1e6);
  return 0;
}
