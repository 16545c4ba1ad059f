// gzip and deflate over zlib's inflate.

#define ZLIB_CONST  // next_in points to const bytes
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <new>

#include "httpc/error.hpp"
#include "stage.hpp"

namespace httpc::detail {
namespace {

constexpr int max_window_bits = 15;  // 32 KiB, deflate's largest window

// zlib counts in uInt.
uInt clamp(std::size_t n) noexcept { return static_cast<uInt>(std::min<std::size_t>(n, UINT_MAX)); }

// A zlib header (RFC 1950 §2.2): method 8, a window of at most 32 KiB, and
// a check that makes the two bytes a multiple of 31. Raw deflate data
// seldom passes: the browsers' test for which "deflate" a server sent.
bool is_zlib_header(unsigned char cmf, unsigned char flg) noexcept {
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256u + flg) % 31 == 0;
}

class zlib_stage final : public decoding_stage {
 public:
  explicit zlib_stage(bool gzip) : gzip_(gzip) {
    if (gzip_) start(max_window_bits + 16);  // +16: the gzip wrapper only
  }
  ~zlib_stage() override {
    if (started_) inflateEnd(&stream_);
  }
  zlib_stage(const zlib_stage&) = delete;
  zlib_stage& operator=(const zlib_stage&) = delete;

  std::size_t step(std::string_view& input, std::span<char> output, bool end, std::error_code& ec) override {
    std::size_t produced = 0;
    if (!started_) {
      // deflate: the first two bytes say zlib-wrapped or raw; they are kept
      // here until both came, then given to inflate first.
      while (probe_size_ < 2 && !input.empty()) {
        probe_[probe_size_++] = static_cast<unsigned char>(input.front());
        input.remove_prefix(1);
      }
      if (probe_size_ < 2) {
        if (end && probe_size_ != 0) ec = error::bad_content_encoding;
        return 0;
      }
      start(is_zlib_header(probe_[0], probe_[1]) ? max_window_bits : -max_window_bits);
      replay_ = {reinterpret_cast<const char*>(probe_), 2};
    }
    if (!replay_.empty()) {
      produced = inflate_some(replay_, output, ec);
      if (ec || !replay_.empty()) return produced;
    }
    return produced + inflate_some(input, output.subspan(produced), ec);
  }
  bool finished() const noexcept override { return ended_; }

 private:
  void start(int window_bits) {
    if (inflateInit2(&stream_, window_bits) != Z_OK) throw std::bad_alloc();
    started_ = true;
  }

  std::size_t inflate_some(std::string_view& input, std::span<char> output, std::error_code& ec) {
    std::size_t produced = 0;
    while (produced < output.size()) {
      if (ended_) {
        if (input.empty()) break;
        // Another gzip member follows, as gzip -dc accepts; anything after
        // a deflate stream is garbage.
        if (!gzip_ || inflateReset(&stream_) != Z_OK) {
          ec = error::bad_content_encoding;
          break;
        }
        ended_ = false;
      }
      const uInt in = clamp(input.size());
      const uInt out = clamp(output.size() - produced);
      stream_.next_in = reinterpret_cast<const Bytef*>(input.data());
      stream_.avail_in = in;
      stream_.next_out = reinterpret_cast<Bytef*>(output.data() + produced);
      stream_.avail_out = out;
      // Called with no input too: a match cut off by a full output goes on.
      const int result = inflate(&stream_, Z_NO_FLUSH);
      input.remove_prefix(in - stream_.avail_in);
      produced += out - stream_.avail_out;
      if (result == Z_STREAM_END) {
        ended_ = true;
      } else if (result == Z_BUF_ERROR) {
        break;  // no progress without more input
      } else if (result != Z_OK) {
        ec = error::bad_content_encoding;  // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR
        break;
      }
    }
    return produced;
  }

  z_stream stream_{};
  bool gzip_;
  bool started_ = false;
  bool ended_ = false;  // the stream (or the last gzip member) ended
  unsigned char probe_[2]{};
  std::size_t probe_size_ = 0;
  std::string_view replay_;  // probe bytes not given to inflate yet
};

}  // namespace

std::unique_ptr<decoding_stage> make_gzip_stage() { return std::make_unique<zlib_stage>(true); }
std::unique_ptr<decoding_stage> make_deflate_stage() { return std::make_unique<zlib_stage>(false); }

}  // namespace httpc::detail
