#pragma once
// What an HTTPResponse and its HTTPConnection share: where the body comes
// from, and what was read ahead of the reader.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "blocking.hpp"

namespace httpc::detail {

struct response_state {
  std::shared_ptr<blocking_connection> source;  // null once nothing more can come from it
  std::string ahead;                            // read before a new request went out
  std::size_t ahead_read = 0;
  std::error_code failure;                      // met while reading ahead
  std::optional<std::uint64_t> content_length;
  std::uint64_t body_read = 0;                  // handed to the reader
  bool closed = false;

  /// Up to `size` body bytes into `data`; `got` 0 at the end.
  std::error_code read_some(char* data, std::size_t size, std::size_t& got);
  /// The next body bytes, valid until the next call; empty at the end.
  std::error_code next(std::string_view& piece);
  /// Reads the rest of the body into `ahead`, so the connection is free.
  void read_ahead();
  /// A Content-Length body was handed out to its last byte, and the core
  /// has ended it (it needs no input for that).
  bool complete();
  /// Ends the body with the exception for `ec`; `partial`: the bytes the
  /// failing call read.
  [[noreturn]] void fail(std::error_code ec, std::string partial);
  void close();

 private:
  std::error_code pull(std::string_view& piece);
  bool source_done();
};

}  // namespace httpc::detail
