// Bodies are flushed as they are written: a reader of the file (or of a
// pipe) sees them as they arrive, as with curl.

#include "output.hpp"

namespace httpc::tool {

output::output(const output_target* target, const std::string& url) {
  if (!target) return;
  if (!target->remote_name) {
    name_ = target->file;
    return;
  }
  const std::string path = url.substr(0, url.find_first_of("?#"));
  const auto authority = path.find("://");
  const auto slash = path.rfind('/');
  if (authority != std::string::npos && slash > authority + 2) name_ = path.substr(slash + 1);
  if (name_.empty()) failure_ = "remote file name has no length";
}

output::~output() {
  if (file_ && file_ != stdout) std::fclose(file_);
}

bool output::write(std::string_view bytes) {
  if (!failure_.empty()) return false;
  if (!file_) {
    file_ = name_.empty() ? stdout : std::fopen(name_.c_str(), "wb");
    if (!file_) {
      failure_ = "failed to open " + name_ + " for writing";
      return false;
    }
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() || std::fflush(file_) != 0) {
    failure_ = "failure writing output to " + (name_.empty() ? std::string("stdout") : name_);
    return false;
  }
  return true;
}

}  // namespace httpc::tool
