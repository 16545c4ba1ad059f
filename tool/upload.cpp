// A body as a list of segments, literal bytes or files, streamed one piece
// at a time; its size known up front from the files' sizes (but stdin's).

#include "upload.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <system_error>

namespace httpc::tool {
namespace {

constexpr std::size_t piece_size = 64 * 1024;

struct segment {
  std::string bytes;  // sent as is
  std::string file;   // when not empty: the file's bytes instead ("-": stdin's)
};

// The producer's state; request_body::source is a std::function, which
// copies: the lambda holds this by shared_ptr.
struct segment_stream {
  std::vector<segment> segments;
  std::size_t next = 0;
  std::ifstream in;  // the file being sent
  bool reading = false;
  std::shared_ptr<upload_state> state;

  std::optional<std::string> pull() {
    while (next < segments.size()) {
      segment& s = segments[next];
      if (s.file.empty()) {
        ++next;
        state->sent += s.bytes.size();
        return std::move(s.bytes);
      }
      const bool from_stdin = s.file == "-";
      if (!reading && !from_stdin) in.open(s.file, std::ios::binary);
      reading = true;
      std::istream& source = from_stdin ? std::cin : in;
      std::string piece(piece_size, '\0');
      source.read(piece.data(), static_cast<std::streamsize>(piece.size()));
      piece.resize(static_cast<std::size_t>(source.gcount()));
      if (source.bad() || (!source && !source.eof())) {
        state->failed_file = s.file;
        throw std::system_error(std::make_error_code(std::errc::io_error));
      }
      if (!piece.empty()) {
        state->sent += piece.size();
        return piece;
      }
      in.close();
      reading = false;
      ++next;
    }
    return std::nullopt;
  }
};

std::optional<std::uint64_t> file_size(const std::string& path, std::string& error) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || !std::ifstream(path, std::ios::binary)) {
    error = "cannot read " + path + (ec ? ": " + ec.message() : std::string());
    return std::nullopt;
  }
  return size;
}

std::optional<upload> make_upload(std::vector<segment> segments, std::string& error) {
  upload u;
  u.size = 0;
  for (const segment& s : segments) {
    if (s.file.empty()) {
      *u.size += s.bytes.size();
    } else if (s.file == "-") {
      u.size.reset();
      break;
    } else if (const auto size = file_size(s.file, error)) {
      *u.size += *size;
    } else {
      return std::nullopt;
    }
  }
  u.state = std::make_shared<upload_state>();
  auto stream = std::make_shared<segment_stream>();
  stream->segments = std::move(segments);
  stream->state = u.state;
  u.producer = [stream]() -> asio::awaitable<std::optional<std::string>> { co_return stream->pull(); };
  return u;
}

// RFC 7578 §4.2 leaves quoting to HTML's rule: '"', CR and LF percent-encoded.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += "%22";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out + '"';
}

// A file part's Content-Type from its extension: curl's list, so that the
// same -F makes the same body.
std::string media_type(const std::string& file) {
  static const std::pair<const char*, const char*> known[] = {
      {".txt", "text/plain"},      {".htm", "text/html"},       {".html", "text/html"},
      {".xml", "application/xml"}, {".pdf", "application/pdf"}, {".png", "image/png"},
      {".gif", "image/gif"},       {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},
      {".svg", "image/svg+xml"},
  };
  const std::string extension = std::filesystem::path(file).extension().string();
  for (const auto& [suffix, type] : known)
    if (extension == suffix) return type;
  return "application/octet-stream";
}

}  // namespace

std::optional<upload> file_upload(const std::string& path, std::string& error) {
  return make_upload({segment{{}, path}}, error);
}

std::optional<upload> form_upload(const std::vector<form_part>& parts, const std::string& boundary,
                                  std::string& error) {
  std::vector<segment> segments;
  for (const form_part& part : parts) {
    std::string head = "--" + boundary + "\r\nContent-Disposition: form-data; name=" + quoted(part.name);
    if (part.is_file) {
      head += "; filename=" + quoted(std::filesystem::path(part.value).filename().string()) +
              "\r\nContent-Type: " + media_type(part.value) + "\r\n\r\n";
      segments.push_back({std::move(head), {}});
      segments.push_back({{}, part.value});
      segments.push_back({"\r\n", {}});
    } else {
      segments.push_back({head + "\r\n\r\n" + part.value + "\r\n", {}});
    }
  }
  segments.push_back({"--" + boundary + "--\r\n", {}});
  auto u = make_upload(std::move(segments), error);
  if (u) u->content_type = "multipart/form-data; boundary=" + boundary;
  return u;
}

std::string make_boundary() {
  std::random_device random;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string boundary(24, '-');
  for (int i = 0; i < 16; ++i) boundary += "0123456789abcdef"[digit(random)];
  return boundary;
}

}  // namespace httpc::tool
