// Method, fields and body of one request, in curl's order of precedence:
// -X over -I over the body's method; -H over the tool's own fields.

#include "request.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <httpc/parser.hpp>
#include <httpc/url.hpp>

#ifndef HTTPC_VERSION
#error "HTTPC_VERSION is set by tool/CMakeLists.txt"
#endif

namespace httpc::tool {
namespace {

void erase_field(Headers& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& field) { return iequals(field.first, name); });
}

// -H: "Name: value" sets (replacing the tool's own), "Name:" removes,
// "Name;" sends the field empty.
void apply_header(Headers& headers, const std::string& line) {
  const auto colon = line.find(':');
  const auto semicolon = line.find(';');
  if (colon == std::string::npos && semicolon != std::string::npos && semicolon + 1 == line.size()) {
    erase_field(headers, line.substr(0, semicolon));
    headers.emplace_back(line.substr(0, semicolon), "");
    return;
  }
  if (colon == std::string::npos || colon == 0) return;  // curl ignores it too
  const std::string name = line.substr(0, colon);
  std::size_t start = colon + 1;
  while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
  erase_field(headers, name);
  if (start < line.size()) headers.emplace_back(name, line.substr(start));
}

// -d @file (or @- for stdin): CR and LF removed unless --data-binary.
std::optional<std::string> read_data_file(const data_part& part) {
  std::string bytes;
  if (part.text == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(part.text, std::ios::binary);
    if (!in) return std::nullopt;
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!part.binary) std::erase_if(bytes, [](char c) { return c == '\r' || c == '\n'; });
  return bytes;
}

// -T to a URL that ends in "/" (or has no path): the file's name is added.
std::string upload_url(const std::string& url, const std::string& file) {
  const std::string name = std::filesystem::path(file).filename().string();
  const auto query = url.find_first_of("?#");
  const std::string path_part = url.substr(0, query);
  const auto authority = path_part.find("://");
  const bool no_path =
      authority != std::string::npos && path_part.find('/', authority + 3) == std::string::npos;
  if (no_path) return path_part + "/" + name + (query == std::string::npos ? "" : url.substr(query));
  if (!path_part.empty() && path_part.back() == '/')
    return path_part + name + (query == std::string::npos ? "" : url.substr(query));
  return url;
}

}  // namespace

request_body prepared_request::body() const {
  if (stream) return request_body(stream->producer);
  if (has_data) return request_body(std::string_view(data));
  return {};
}

exit_code prepare_request(const options& o, const std::string& url, prepared_request& out,
                          std::string& error, std::string& warnings) {
  out.url = o.upload_file ? upload_url(url, *o.upload_file) : url;
  out.headers = {{"User-Agent", "httpc/" HTTPC_VERSION}, {"Accept", "*/*"}};
  out.method = "GET";
  if (o.user) {
    const auto colon = o.user->find(':');
    const std::string name = o.user->substr(0, colon);
    const std::string password = colon == std::string::npos ? "" : o.user->substr(colon + 1);
    out.headers.emplace_back("Authorization", basic_authorization(name, password));
  }
  if (!o.data.empty()) {
    out.method = "POST";
    out.has_data = true;
    for (const data_part& part : o.data) {
      if (&part != &o.data.front()) out.data += '&';
      if (!part.from_file) {
        out.data += part.text;
      } else if (const auto bytes = read_data_file(part)) {
        out.data += *bytes;
      } else {
        warnings += "cannot read data from file \"" + part.text + "\": this makes an empty POST\n";
      }
    }
    out.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else if (!o.form.empty()) {
    out.method = "POST";
    out.stream = form_upload(o.form, make_boundary(), error);
    if (!out.stream) return read_error;
    out.headers.emplace_back("Content-Type", out.stream->content_type);
  } else if (o.upload_file) {
    out.method = "PUT";
    out.stream = file_upload(*o.upload_file, error);
    if (!out.stream) return read_error;
  }
  if (out.stream && out.stream->size) out.headers.emplace_back("Content-Length", std::to_string(*out.stream->size));
  if (o.head) out.method = "HEAD";
  if (o.method) out.method = *o.method;
  // Last: a -H field replaces the tool's own of that name (Content-Type too).
  for (const std::string& line : o.headers) apply_header(out.headers, line);
  return ok;
}

}  // namespace httpc::tool
