#pragma once
// Where one body goes: stdout, an -o file, or -O's file named after the URL.

#include <cstdio>
#include <string>
#include <string_view>

#include "options.hpp"

namespace httpc::tool {

/// The file is opened at the first write (when the response is there), so
/// a failed request leaves no file behind; a failure is kept and reported
/// by failure().
class output {
 public:
  /// `target` null: stdout. -O takes the URL's last path segment (without
  /// query); none is a failure at once.
  output(const output_target* target, const std::string& url);
  output(const output&) = delete;
  output& operator=(const output&) = delete;
  ~output();

  bool to_stdout() const { return name_.empty() && failure_.empty(); }
  const std::string& failure() const { return failure_; }
  /// Writes and flushes; false (and failure() says why) when it cannot.
  bool write(std::string_view bytes);

 private:
  std::string name_;  // empty: stdout
  std::string failure_;
  std::FILE* file_ = nullptr;
};

}  // namespace httpc::tool
