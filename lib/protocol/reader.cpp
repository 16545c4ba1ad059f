#include "httpc/reader.hpp"

#include <algorithm>  // std::max, std::min
#include <cstring>    // std::memcpy, std::memmove

namespace httpc {

response_reader::response_reader(parser_options options, std::size_t start_size)
    : parser_(options), start_size_(std::max<std::size_t>(start_size, 1)) {}

void response_reader::reset(std::string_view request_method) noexcept {
  parser_.reset(request_method);
  head_ = {};
  head_block_.reset();
  floor_ = 0;
  filled_ = false;
  shrink();
}

void response_reader::clear() noexcept {
  start_ = end_ = 0;
  reset();
}

std::span<char> response_reader::prepare() {
  // Everything read was parsed: read from the floor again, so that a read
  // may take all the room (keep-alive responses would otherwise creep to
  // the buffer's end and be split across two reads).
  if (start_ == end_) start_ = end_ = floor_;
  if (filled_ && start_ == end_ && capacity_ < max_body_fill_size) {
    grow();
  } else if (end_ == capacity_) {
    if (start_ > floor_) {  // move the unparsed bytes down to the floor
      std::memmove(buffer_.get() + floor_, buffer_.get() + start_, end_ - start_);
      end_ -= start_ - floor_;
      start_ = floor_;
    } else {
      grow();
    }
  }
  filled_ = false;
  return {buffer_.get() + end_, capacity_ - end_};
}

// The final head (not an HTTP/0.9 one, which has none) stays below floor_.
void response_reader::keep_head(std::size_t size) noexcept {
  head_ = {buffer_.get() + start_, size};
  floor_ = start_ + size;
}

// shrink() for a grown buffer.
void response_reader::release() noexcept {
  if (start_ != end_ || floor_ != 0) return;
  // Allocated again, at the start size, by the next prepare().
  buffer_.reset();
  capacity_ = start_ = end_ = 0;
}

// Doubles the buffer, by max_growth_step at most. Not zeroed: only bytes
// read are looked at, and pages never written stay out of memory.
void response_reader::grow() {
  const std::size_t capacity =
      capacity_ == 0 ? start_size_ : capacity_ + std::min(capacity_, max_growth_step);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  const std::size_t unparsed = end_ - start_;
  if (unparsed != 0) std::memcpy(grown.get(), buffer_.get() + start_, unparsed);
  // The head's views point into the old block: it stays, for the head alone.
  if (floor_ != 0) head_block_ = std::move(buffer_);
  buffer_ = std::move(grown);
  capacity_ = capacity;
  start_ = floor_ = 0;
  end_ = unparsed;
}

}  // namespace httpc
