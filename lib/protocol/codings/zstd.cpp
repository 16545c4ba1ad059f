// zstd over libzstd's streaming decoder, its window held to 8 MiB: RFC 9659
// lets an HTTP decoder refuse more, and memory stays bounded.

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader, ZSTD_FRAMEHEADERSIZE_MAX
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "httpc/error.hpp"
#include "stage.hpp"

namespace httpc::detail {
namespace {

constexpr int max_window_log = 23;  // 8 MiB

class zstd_stage final : public decoding_stage {
 public:
  zstd_stage() : stream_(ZSTD_createDStream()) {
    if (stream_ == nullptr) throw std::bad_alloc();
    ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, max_window_log);
  }
  ~zstd_stage() override { ZSTD_freeDStream(stream_); }
  zstd_stage(const zstd_stage&) = delete;
  zstd_stage& operator=(const zstd_stage&) = delete;

  std::size_t step(std::string_view& input, std::span<char> output, bool, std::error_code& ec) override {
    ZSTD_outBuffer out{output.data(), output.size(), 0};
    for (;;) {
      // Frames one after another are one body, as zstd -dc reads them;
      // bytes that start no frame are an error of the next call.
      ZSTD_inBuffer in{input.data(), input.size(), 0};
      const std::size_t before = out.pos;
      const std::size_t result = ZSTD_decompressStream(stream_, &out, &in);
      keep_header(input.substr(0, in.pos));
      input.remove_prefix(in.pos);
      frame_output_ += out.pos - before;
      if (ZSTD_isError(result)) {
        ec = error::bad_content_encoding;
        break;
      }
      const bool progress = in.pos != 0 || out.pos != before;
      // A call that moved nothing says only what the next frame would need.
      if (progress) in_frame_ = result != 0;
      if (progress && result == 0 && !frame_had_its_size()) {
        ec = error::bad_content_encoding;
        break;
      }
      // With room left in the output, everything decodable was flushed.
      if (out.pos == out.size || input.empty()) break;
      if (!progress) {
        ec = error::bad_content_encoding;  // never loop without progress
        break;
      }
    }
    return out.pos;
  }
  bool finished() const noexcept override { return !in_frame_; }

 private:
  // The first bytes of the current frame, as the decoder consumed them (it
  // stops at a frame's end: what follows starts the next frame).
  void keep_header(std::string_view consumed) noexcept {
    const std::size_t n = std::min(consumed.size(), sizeof header_ - header_size_);
    if (n == 0) return;  // (an empty view may have no address)
    std::memcpy(header_ + header_size_, consumed.data(), n);
    header_size_ += n;
  }

  // At a frame's end: whether it gave the size its header announced.
  // libzstd's streaming decoder misses a mismatch when the last block is
  // empty (its one-shot path sees it): checked here, so that the outcome
  // does not depend on how the input was split.
  bool frame_had_its_size() noexcept {
    ZSTD_frameHeader header{};
    const bool wrong = ZSTD_getFrameHeader(&header, header_, header_size_) == 0 &&
                       header.frameType == ZSTD_frame &&
                       header.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN &&
                       header.frameContentSize != frame_output_;
    header_size_ = 0;
    frame_output_ = 0;
    return !wrong;
  }

  ZSTD_DStream* stream_;
  bool in_frame_ = false;  // a frame started and not finished
  unsigned char header_[ZSTD_FRAMEHEADERSIZE_MAX]{};
  std::size_t header_size_ = 0;
  unsigned long long frame_output_ = 0;  // decoded bytes of the current frame
};

}  // namespace

std::unique_ptr<decoding_stage> make_zstd_stage() { return std::make_unique<zstd_stage>(); }

}  // namespace httpc::detail
