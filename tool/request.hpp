#pragma once
// One URL's request from the options: method, fields and body as curl
// makes them.

#include <optional>
#include <string>

#include <httpc/connection.hpp>
#include <httpc/fields.hpp>

#include "exit_code.hpp"
#include "options.hpp"
#include "upload.hpp"

namespace httpc::tool {

struct prepared_request {
  std::string url;
  std::string method;
  Headers headers;
  std::string data;              // -d's bytes
  std::optional<upload> stream;  // -T's file, -F's parts
  bool has_data = false;

  /// The body for the pool; it refers to this object.
  request_body body() const;
};

/// Builds the request for `url`. A file that cannot be read is read_error
/// (with `error`); a -d file that cannot be read is an empty body and a
/// line in `warnings`, as in curl.
exit_code prepare_request(const options& o, const std::string& url, prepared_request& out,
                          std::string& error, std::string& warnings);

}  // namespace httpc::tool
