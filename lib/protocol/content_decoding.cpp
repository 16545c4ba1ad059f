// Content-Encoding parsed into a chain of decoding stages, and the chain
// run: the last coding listed is undone first, straight from the caller's
// input; each later stage reads the one before through a fixed buffer; the
// first coding listed is undone last, into the caller's output.

#include "httpc/content_decoding.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "codings/stage.hpp"
#include "httpc/error.hpp"
#include "httpc/fields.hpp"

namespace httpc {
namespace {

// Between two stages: big enough that a stage runs a while per call, fixed
// so that a stack costs a known amount.
constexpr std::size_t between_size = 16 * 1024;

// The coding a name stands for: none for identity, nothing for a name
// unknown.
std::optional<codings> coding_named(std::string_view name) noexcept {
  if (iequals(name, "gzip") || iequals(name, "x-gzip")) return codings::gzip;
  if (iequals(name, "deflate")) return codings::deflate;
  if (iequals(name, "br")) return codings::br;
  if (iequals(name, "zstd")) return codings::zstd;
  if (iequals(name, "identity")) return codings::none;
  return std::nullopt;
}

std::unique_ptr<detail::decoding_stage> make_stage(codings coding) {
  switch (coding) {
#if HTTPC_HAS_ZLIB
    case codings::gzip: return detail::make_gzip_stage();
    case codings::deflate: return detail::make_deflate_stage();
#endif
#if HTTPC_HAS_BROTLI
    case codings::br: return detail::make_brotli_stage();
#endif
#if HTTPC_HAS_ZSTD
    case codings::zstd: return detail::make_zstd_stage();
#endif
    default: return nullptr;  // not built: available_codings() leaves it out
  }
}

}  // namespace

codings available_codings() noexcept {
  codings set = codings::none;
#if HTTPC_HAS_ZLIB
  set |= codings::gzip | codings::deflate;
#endif
#if HTTPC_HAS_BROTLI
  set |= codings::br;
#endif
#if HTTPC_HAS_ZSTD
  set |= codings::zstd;
#endif
  return set;
}

std::string accept_encoding(codings set) {
  std::string value;
  for (auto [coding, name] : {std::pair{codings::gzip, "gzip"}, std::pair{codings::deflate, "deflate"},
                              std::pair{codings::br, "br"}, std::pair{codings::zstd, "zstd"}}) {
    if (!contains(set, coding)) continue;
    if (!value.empty()) value += ", ";
    value += name;
  }
  return value;
}

struct content_decoder::state {
  // The codings as listed (applied first to last), then the stages in the
  // order they run: stages[0] undoes the last coding listed.
  std::array<codings, max_codings> listed{};
  std::size_t count = 0;
  std::array<std::unique_ptr<detail::decoding_stage>, max_codings> stages;
  // between[k] holds stage k's output that stage k + 1 has not read.
  struct between {
    char* data = nullptr;
    std::size_t begin = 0;
    std::size_t end = 0;
    bool upstream_done = false;  // stage k finished: what is here is all
  };
  std::array<between, max_codings - 1> betweens;
  std::unique_ptr<char[]> storage;
  std::error_code failure;

  // Adds the codings of one field value; false for one unknown, not
  // allowed, or past max_codings.
  bool add(std::string_view value, codings allowed) {
    for (auto name = detail::next_list_element(value); !name.empty(); name = detail::next_list_element(value)) {
      const std::optional<codings> coding = coding_named(name);
      if (coding == codings::none) continue;
      if (!coding || !contains(allowed & available_codings(), *coding) || count == max_codings) return false;
      listed[count++] = *coding;
    }
    return true;
  }

  void build() {
    for (std::size_t k = 0; k < count; ++k) stages[k] = make_stage(listed[count - 1 - k]);
    if (count > 1) {
      storage = std::make_unique<char[]>((count - 1) * between_size);
      for (std::size_t k = 0; k + 1 < count; ++k) betweens[k].data = storage.get() + k * between_size;
    }
  }

  // Output of stage k into `output`, pulling its input from stage k - 1
  // (stage 0 reads the caller's input). Same contract as decode().
  std::size_t pull(std::size_t k, std::string_view& input, std::span<char> output, bool end,
                   std::error_code& ec) {
    if (k == 0) return stages[0]->run(input, output, end, ec);
    between& b = betweens[k - 1];
    std::size_t produced = 0;
    for (;;) {
      if (b.begin == b.end && !b.upstream_done) {
        b.begin = 0;
        b.end = pull(k - 1, input, {b.data, between_size}, end, ec);
        if (ec) return produced;
        // Room left: the stages below finished (with `end`) or need input.
        if (b.end < between_size) {
          if (end)
            b.upstream_done = true;
          else if (b.end == 0)
            return produced;
        }
      }
      std::string_view in(b.data + b.begin, b.end - b.begin);
      produced += stages[k]->run(in, output.subspan(produced), b.upstream_done, ec);
      b.begin = b.end - in.size();
      if (ec || produced == output.size() || b.upstream_done) return produced;
    }
  }
};

void content_decoder::destroy(state* s) noexcept { delete s; }

content_decoder::content_decoder(field_view fields, codings allowed, std::error_code& ec) {
  auto s = std::make_unique<state>();
  for (const header_field field : fields) {
    if (!iequals(field.name, "Content-Encoding")) continue;
    if (!s->add(field.value, allowed)) {
      ec = error::unsupported_content_encoding;
      return;
    }
  }
  if (s->count == 0) return;  // none, or identity only
  s->build();
  state_ = s.release();
}

content_decoder::content_decoder(std::string_view content_encoding, codings allowed, std::error_code& ec) {
  auto s = std::make_unique<state>();
  if (!s->add(content_encoding, allowed)) {
    ec = error::unsupported_content_encoding;
    return;
  }
  if (s->count == 0) return;
  s->build();
  state_ = s.release();
}

std::size_t content_decoder::decode(std::string_view& input, std::span<char> output, bool end,
                                    std::error_code& ec) {
  if (!state_) {
    // Nothing to undo: the bytes as they are.
    const std::size_t n = std::min(input.size(), output.size());
    if (n != 0) std::memcpy(output.data(), input.data(), n);
    input.remove_prefix(n);
    return n;
  }
  if (state_->failure) {
    ec = state_->failure;
    return 0;
  }
  const std::size_t produced = state_->pull(state_->count - 1, input, output, end, ec);
  if (ec) state_->failure = ec;
  return produced;
}

}  // namespace httpc
