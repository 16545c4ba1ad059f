#pragma once
/// \file
/// The receive side of one connection, without I/O: a receive buffer and the
/// response parser over it (httpc/parser.hpp).
///
///     httpc::response_reader reader;
///     reader.reset("GET");
///     for (;;) {
///       std::error_code ec;
///       const auto result = reader.parse(ec);   // over the bytes not parsed yet
///       if (ec) ...;
///       if (result.event == httpc::parse_event::done) break;
///       if (result.event == httpc::parse_event::body) use(reader.parser().body());
///       if (result.event == httpc::parse_event::need_more) {
///         const std::span<char> room = reader.prepare();
///         reader.commit(read(room));              // the caller's I/O
///       }
///     }
///
/// The buffer starts small and grows only with bytes that came (never from an
/// announced length): doubling while its unparsed bytes fill it (a large
/// head, a long chunk-size line, trailers), and while body reads fill it to
/// the brim (a fast body), in steps of at most `max_growth_step`. The head of
/// the current response never moves once parsed: its views (reason, fields,
/// `head()`) stay valid until the next `reset()` or `clear()`. Should the
/// buffer have to grow while it holds the head, the old block is kept for the
/// head alone and the unparsed bytes move on. `shrink()`, once the caller is
/// done with the body bytes, and `reset()` take the buffer back to its start
/// size.

#include <cstddef>       // std::size_t
#include <memory>        // std::unique_ptr, the blocks
#include <span>          // std::span, the room to read into
#include <string_view>   // std::string_view, views of the bytes
#include <system_error>  // std::error_code

#include "httpc/parser.hpp"

namespace httpc {

/// A receive buffer and the response parser over it: the bytes a connection
/// read and what they parse to.
class response_reader {
 public:
  /// The buffer's size before any growth, and after a response is done.
  /// 1 KiB: a usual response head (200-700 bytes) and a small body come in
  /// one read; an idle connection's buffer is resident whole (its first
  /// bytes are written, and blocks lie side by side), so a thousand idle
  /// connections hold 1 MiB for it.
  static constexpr std::size_t default_start_size = 1024;
  /// The most a growth adds at once.
  static constexpr std::size_t max_growth_step = 64 * 1024;
  /// Body reads that fill the buffer grow it up to this size.
  static constexpr std::size_t max_body_fill_size = 64 * 1024;

  explicit response_reader(parser_options options = {},
                           std::size_t start_size = default_start_size);
  response_reader(const response_reader&) = delete;
  response_reader& operator=(const response_reader&) = delete;

  /// The parser: the head's fields, the framing, the body's progress.
  response_parser& parser() noexcept { return parser_; }
  const response_parser& parser() const noexcept { return parser_; }

  /// Starts the next response, to a request with this method. The previous
  /// response's head may be overwritten from now on; unparsed bytes stay.
  void reset(std::string_view request_method = "GET") noexcept;
  /// Forgets every byte (a new connection) and goes back to the start size.
  void clear() noexcept;

  /// Room for the next read: never empty. Moves the unparsed bytes (never
  /// the head) or grows the buffer as needed; views of unparsed and body
  /// bytes end here.
  std::span<char> prepare();
  /// `n` bytes were read into the room `prepare()` gave.
  void commit(std::size_t n) noexcept {
    end_ += n;
    // A body read that took all the room: more was likely waiting.
    filled_ = end_ == capacity_ && parser_.head_done();
  }

  /// Runs the parser over the unparsed bytes and drops what it consumed. A
  /// `body` event's `parser().body()` stays valid until the next
  /// `prepare()`; a `head` event's head stays where it is until `reset()`.
  parse_result parse(std::error_code& ec) noexcept {
    const parse_result result = parser_.parse(unparsed(), ec);
    if (result.event == parse_event::head && result.consumed != 0) keep_head(result.consumed);
    start_ += result.consumed;
    return result;
  }

  /// Takes a grown buffer back to its start size when it holds nothing
  /// unparsed and not the head (views of body bytes end here). For a
  /// response that is done: an idle connection keeps only the start size.
  void shrink() noexcept {
    if (capacity_ > start_size_) release();
  }

  /// The bytes read and not parsed yet.
  std::string_view unparsed() const noexcept { return {buffer_.get() + start_, end_ - start_}; }
  /// The final head as received, from the status line to the empty line;
  /// empty before it is parsed.
  std::string_view head() const noexcept { return head_; }
  /// The buffer's current size (0 before the first `prepare()`).
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t start_size() const noexcept { return start_size_; }

 private:
  void grow();
  void keep_head(std::size_t size) noexcept;
  void release() noexcept;

  response_parser parser_;
  std::size_t start_size_;
  // [start_, end_) is unparsed; below floor_ lies the current head, which
  // stays put. head_block_ holds an outgrown block that holds the head.
  std::unique_ptr<char[]> buffer_;
  std::unique_ptr<char[]> head_block_;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  std::size_t floor_ = 0;
  std::string_view head_;
  bool filled_ = false;  // the last body read filled all the room it had
};

}  // namespace httpc
