// The owned response head: the parser's head and field index copied into
// one block, folded values moved in beside the head's bytes.

#include "httpc/response_head.hpp"

#include <cstring>
#include <memory>
#include <span>

namespace httpc {

void response_head::allocate(std::size_t count, std::size_t bytes) {
  shape_.size = count * sizeof(field_view::entry) + bytes;
  shape_.count = static_cast<std::uint32_t>(count);
  block_ = std::make_unique_for_overwrite<char[]>(shape_.size);
}

response_head::response_head(const response_parser& parser) {
  const field_view fields = parser.fields();
  const std::string_view head(fields.base_, parser.head_size());
  std::size_t folded = 0;
  for (std::size_t i = 0; i < fields.count_; ++i)
    if (fields.entries_[i].folded) folded += fields.entries_[i].value_size;
  allocate(fields.count_, head.size() + folded);
  shape_.status = parser.status();
  shape_.version = parser.version();
  const std::string_view reason = parser.reason();
  shape_.reason_offset = static_cast<std::uint32_t>(reason.data() - head.data());
  shape_.reason_size = static_cast<std::uint32_t>(reason.size());
  if (!head.empty()) std::memcpy(bytes(), head.data(), head.size());
  if (fields.count_ != 0) std::memcpy(entries(), fields.entries_, fields.count_ * sizeof(field_view::entry));
  // A folded value lives in the parser's fold storage: it follows the head
  // here, and its entry points at it like any other.
  std::size_t at = head.size();
  for (field_view::entry& e : std::span(entries(), shape_.count)) {
    if (!e.folded) continue;
    std::memcpy(bytes() + at, fields.fold_base_ + e.value_offset, e.value_size);
    e.value_offset = static_cast<std::uint32_t>(at);
    e.folded = 0;
    at += e.value_size;
  }
}

response_head::response_head(int status, std::string_view reason, int version, const Headers& headers) {
  std::size_t size = reason.size();
  for (const auto& [name, value] : headers) size += name.size() + value.size();
  allocate(headers.size(), size);
  shape_.status = status;
  shape_.version = version;
  shape_.reason_size = static_cast<std::uint32_t>(reason.size());
  char* const out = bytes();
  std::size_t at = 0;
  // Where `text` went; empty text may come without an address to copy from.
  const auto put = [&](std::string_view text) {
    if (!text.empty()) std::memcpy(out + at, text.data(), text.size());
    at += text.size();
    return static_cast<std::uint32_t>(at - text.size());
  };
  put(reason);
  field_view::entry* e = entries();
  for (const auto& [name, value] : headers) {
    const std::uint32_t name_offset = put(name);
    const std::uint32_t value_offset = put(value);
    *e++ = {name_offset, static_cast<std::uint32_t>(name.size()), value_offset,
            static_cast<std::uint32_t>(value.size()), 0};
  }
}

response_head::response_head(const response_head& other) : shape_(other.shape_) {
  if (!other.block_) return;
  block_ = std::make_unique_for_overwrite<char[]>(shape_.size);
  std::memcpy(block_.get(), other.block_.get(), shape_.size);
}

response_head& response_head::operator=(const response_head& other) {
  if (this != &other) *this = response_head(other);
  return *this;
}

Headers response_head::headers() const { return to_headers(fields()); }

Headers to_headers(field_view fields) {
  Headers out;
  out.reserve(fields.size());
  for (const header_field field : fields) out.emplace_back(field.name, field.value);
  return out;
}

}  // namespace httpc
