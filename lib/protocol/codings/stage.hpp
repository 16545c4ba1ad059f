#pragma once
// One content coding undone: the seam between content_decoder, which
// parses Content-Encoding and chains the stages, and the codec libraries,
// each in a file of its own that the build leaves out when its library is.

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "httpc/error.hpp"

namespace httpc::detail {

class decoding_stage {
 public:
  virtual ~decoding_stage() = default;
  // content_decoder::decode's contract, for one coding: consumes from the
  // front of `input`, writes into `output`, returns once `output` is full
  // or `input` is consumed and nothing more comes out; with `end`, room
  // left in `output` means finished, and a stream cut short is an error.
  // Input given to no call at all is an empty body: no error.
  std::size_t run(std::string_view& input, std::span<char> output, bool end, std::error_code& ec) {
    if (output.empty()) return 0;
    seen_ = seen_ || !input.empty();
    const std::size_t produced = step(input, output, end, ec);
    if (!ec && end && produced < output.size() && seen_ && !finished()) ec = error::bad_content_encoding;
    return produced;
  }

 protected:
  // One call of run() on a non-empty output, but for the check of a
  // stream cut short, which run() makes.
  virtual std::size_t step(std::string_view& input, std::span<char> output, bool end, std::error_code& ec) = 0;
  // The last stream started has ended: nothing more is owed.
  virtual bool finished() const noexcept = 0;

 private:
  bool seen_ = false;  // some input came
};

// Each throws std::bad_alloc when its library cannot make a decoder.
std::unique_ptr<decoding_stage> make_gzip_stage();     // zlib.cpp
std::unique_ptr<decoding_stage> make_deflate_stage();  // zlib.cpp
std::unique_ptr<decoding_stage> make_brotli_stage();   // brotli.cpp
std::unique_ptr<decoding_stage> make_zstd_stage();     // zstd.cpp

}  // namespace httpc::detail
