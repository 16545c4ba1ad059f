#pragma once
// Request bodies streamed from files (-T, and -F's multipart/form-data):
// a file is read a piece at a time as the connection takes it, never whole.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <httpc/connection.hpp>

#include "options.hpp"

namespace httpc::tool {

/// What a streamed body has done so far, shared with its producer.
struct upload_state {
  std::uint64_t sent = 0;  // bytes handed to the connection
  std::string failed_file;  // a file that could not be read (exit 26)
};

/// A streamed body, its length (sent as Content-Length; unknown for stdin,
/// which is then sent chunked), and its state.
struct upload {
  request_body::source producer;
  std::optional<std::uint64_t> size;
  std::string content_type;  // multipart's, with its boundary; empty for -T
  std::shared_ptr<upload_state> state;
};

/// -T: the file's bytes ("-": stdin's). Empty when it cannot be opened;
/// `error` says why.
std::optional<upload> file_upload(const std::string& path, std::string& error);

/// -F: the parts as multipart/form-data (RFC 7578) between `boundary`
/// lines; file parts are read as they are sent. Empty when a file cannot be
/// opened.
std::optional<upload> form_upload(const std::vector<form_part>& parts, const std::string& boundary,
                                  std::string& error);

/// A boundary that no body is likely to hold: dashes and 16 random hex digits.
std::string make_boundary();

}  // namespace httpc::tool
