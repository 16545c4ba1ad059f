// libFuzzer target for the request serializer (httpc/serializer.hpp).
//
// Input: an operation byte, then the head's numbers and flags, then
// length-prefixed strings (one length byte each): method, target, host, and
// name/value pairs for the fields until the input runs out.
//
// Checked, for write_request, write_request_start with write_field (single
// values and continuation lists) and write_head_end, write_connect and
// write_last_chunk: a refused call sets one of its documented errors and
// appends nothing; an accepted one appends lines that end in CRLF with no
// other CR or LF, no empty line but the last, which ends the head; the
// request line starts with the method and ends with the version.

#include "fuzz_check.hpp"

#include <httpc/error.hpp>
#include <httpc/fields.hpp>
#include <httpc/serializer.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

class reader {
 public:
  reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ == size_; }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::string_view text() {
    std::size_t n = byte();
    n = std::min(n, size_ - at_);
    const std::string_view s(reinterpret_cast<const char*>(data_) + at_, n);
    at_ += n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// What was appended: lines that each end in CRLF, no CR or LF in them.
std::vector<std::string_view> lines_of(std::string_view written) {
  std::vector<std::string_view> lines;
  while (!written.empty()) {
    const auto end = written.find_first_of("\r\n");
    FUZZ_CHECK(end != std::string_view::npos);  // every line ends
    FUZZ_CHECK(written.substr(end, 2) == "\r\n");  // in CRLF, no bare CR or LF
    lines.push_back(written.substr(0, end));
    written.remove_prefix(end + 2);
  }
  return lines;
}

// A field line or a continuation line.
void check_field_line(std::string_view line) {
  FUZZ_CHECK(!line.empty());
  if (line.front() == ' ' || line.front() == '\t') {
    FUZZ_CHECK(httpc::valid_header_value(line));
    return;
  }
  const auto colon = line.find(':');
  FUZZ_CHECK(colon != std::string_view::npos);
  FUZZ_CHECK(httpc::valid_header_name(line.substr(0, colon)));
  FUZZ_CHECK(httpc::valid_header_value(line.substr(colon + 1)));
}

// A whole head: a first line, field lines, the empty line last. Returns the
// first line.
std::string_view check_head(std::string_view written) {
  const auto lines = lines_of(written);
  FUZZ_CHECK(lines.size() >= 2);
  FUZZ_CHECK(lines.back().empty());
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) check_field_line(lines[i]);
  return lines.front();
}

void check_request_line(std::string_view line, std::string_view method, std::string_view version) {
  FUZZ_CHECK(line.starts_with(method) && line.size() > method.size() && line[method.size()] == ' ');
  FUZZ_CHECK(line.ends_with(version));
}

bool is_one_of(const std::error_code& ec, std::initializer_list<httpc::error> codes) {
  for (const httpc::error e : codes)
    if (ec == e) return true;
  return false;
}

constexpr std::string_view prefix = "earlier bytes\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader in(data, size);
  const unsigned op = in.byte() % 4;
  const unsigned flags = in.byte();
  httpc::request_head head;
  head.tls = (flags & 1) != 0;
  head.body = static_cast<httpc::body_kind>((flags >> 1) % 3);
  head.encode_chunked = (flags & 8) != 0;
  head.skip_host = (flags & 16) != 0;
  head.skip_accept_encoding = (flags & 32) != 0;
  head.port = static_cast<std::uint16_t>(in.byte() << 8 | in.byte());
  head.content_length = std::uint64_t{in.byte()} << 32 | in.byte();
  head.method = in.text();
  head.target = in.text();
  head.host = in.text();
  httpc::Headers fields;
  while (!in.empty()) {
    const std::string_view name = in.text();
    fields.emplace_back(name, in.text());
  }

  std::string out(prefix);
  std::error_code ec;
  switch (op) {
    case 0: {
      const auto encoding = httpc::write_request(out, head, fields, ec);
      if (ec) {
        FUZZ_CHECK(is_one_of(ec, {httpc::error::invalid_method, httpc::error::invalid_target,
                                  httpc::error::invalid_url, httpc::error::invalid_header_name,
                                  httpc::error::invalid_header_value}));
        FUZZ_CHECK(encoding == httpc::body_encoding::none);
        FUZZ_CHECK(out == prefix);
        return 0;
      }
      FUZZ_CHECK(out.starts_with(prefix));
      check_request_line(check_head(std::string_view(out).substr(prefix.size())), head.method,
                         " HTTP/1.1");
      if (head.body == httpc::body_kind::none)
        FUZZ_CHECK(encoding == httpc::body_encoding::none ||
                   encoding == httpc::body_encoding::raw);
      return 0;
    }
    case 1: {
      // putrequest, putheader for each field (lists as continuation lines
      // every other field), endheaders.
      httpc::write_request_start(out, head, ec);
      if (ec) {
        FUZZ_CHECK(is_one_of(ec, {httpc::error::invalid_method, httpc::error::invalid_target,
                                  httpc::error::invalid_url}));
        FUZZ_CHECK(out == prefix);
        return 0;
      }
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string before = out;
        if (i % 2 == 0) {
          httpc::write_field(out, fields[i].first, fields[i].second, ec);
        } else {
          // The value split at its bytes ';' into a list.
          std::vector<std::string_view> values;
          std::string_view v = fields[i].second;
          for (auto semi = v.find(';'); semi != std::string_view::npos; semi = v.find(';')) {
            values.push_back(v.substr(0, semi));
            v.remove_prefix(semi + 1);
          }
          if (!v.empty()) values.push_back(v);
          httpc::write_field(out, fields[i].first, values, ec);
        }
        if (ec) {
          FUZZ_CHECK(is_one_of(ec, {httpc::error::invalid_header_name,
                                    httpc::error::invalid_header_value}));
          FUZZ_CHECK(out == before);
          ec.clear();
        }
      }
      httpc::write_head_end(out);
      check_request_line(check_head(std::string_view(out).substr(prefix.size())), head.method,
                         " HTTP/1.1");
      return 0;
    }
    case 2: {
      httpc::write_connect(out, head.host, head.port, fields, ec);
      if (ec) {
        FUZZ_CHECK(is_one_of(ec, {httpc::error::invalid_url, httpc::error::invalid_header_name,
                                  httpc::error::invalid_header_value}));
        FUZZ_CHECK(out == prefix);
        return 0;
      }
      check_request_line(check_head(std::string_view(out).substr(prefix.size())), "CONNECT",
                         " HTTP/1.0");
      return 0;
    }
    default: {
      httpc::write_last_chunk(out, fields, ec);
      if (ec) {
        FUZZ_CHECK(is_one_of(ec, {httpc::error::invalid_header_name,
                                  httpc::error::invalid_header_value}));
        FUZZ_CHECK(out == prefix);
        return 0;
      }
      FUZZ_CHECK(check_head(std::string_view(out).substr(prefix.size())) == "0");
      // The size line of a chunk: hex digits of the size, CRLF.
      const httpc::chunk_header chunk(head.content_length * 0x10001u);
      const std::string_view line = chunk.view();
      FUZZ_CHECK(line.size() >= 3 && line.ends_with("\r\n"));
      std::uint64_t value = 0;
      for (const char c : line.substr(0, line.size() - 2)) {
        FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
        value = value << 4 | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'A' + 10);
      }
      FUZZ_CHECK(value == head.content_length * 0x10001u);
      return 0;
    }
  }
}
