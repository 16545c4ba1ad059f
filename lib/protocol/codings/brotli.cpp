// br over the brotli decoder library (a window of at most 16 MiB: the
// large-window extension stays off).

#include <brotli/decode.h>

#include <cstdint>
#include <new>

#include "httpc/error.hpp"
#include "stage.hpp"

namespace httpc::detail {
namespace {

class brotli_stage final : public decoding_stage {
 public:
  brotli_stage() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (state_ == nullptr) throw std::bad_alloc();
  }
  ~brotli_stage() override { BrotliDecoderDestroyInstance(state_); }
  brotli_stage(const brotli_stage&) = delete;
  brotli_stage& operator=(const brotli_stage&) = delete;

  std::size_t step(std::string_view& input, std::span<char> output, bool, std::error_code& ec) override {
    std::size_t produced = 0;
    while (produced < output.size()) {
      if (ended_) {
        // One brotli stream per body: nothing may follow it.
        if (!input.empty()) ec = error::bad_content_encoding;
        break;
      }
      std::size_t in = input.size();
      const auto* next_in = reinterpret_cast<const std::uint8_t*>(input.data());
      std::size_t out = output.size() - produced;
      auto* next_out = reinterpret_cast<std::uint8_t*>(output.data() + produced);
      const BrotliDecoderResult result =
          BrotliDecoderDecompressStream(state_, &in, &next_in, &out, &next_out, nullptr);
      input.remove_prefix(input.size() - in);
      produced = output.size() - out;
      if (result == BROTLI_DECODER_RESULT_SUCCESS) {
        ended_ = true;
      } else if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
        break;
      } else if (result == BROTLI_DECODER_RESULT_ERROR) {
        ec = error::bad_content_encoding;
        break;
      }
      // NEEDS_MORE_OUTPUT: the loop ends when the output is full.
    }
    return produced;
  }
  bool finished() const noexcept override { return ended_; }

 private:
  BrotliDecoderState* state_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<decoding_stage> make_brotli_stage() { return std::make_unique<brotli_stage>(); }

}  // namespace httpc::detail
