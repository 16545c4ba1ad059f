// HTTPMessage and HTTPResponse: the head owned (taken from the core's
// response), and the body read through the connection's blocking adapter.

#include <asio/buffer.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "httpc/client.hpp"
#include "response_state.hpp"

namespace httpc {

// --- The shared state -----------------------------------------------------------

namespace detail {

std::error_code response_state::pull(std::string_view& piece) {
  return source->run([this, &piece](auto done) {
    source->response().async_next(done.keeping([&piece](std::string_view next) { piece = next; }));
  });
}

bool response_state::source_done() {
  return source->response().done();
}

std::error_code response_state::read_some(char* data, std::size_t size, std::size_t& got) {
  got = 0;
  std::error_code ec;
  if (ahead_read < ahead.size()) {
    got = std::min(size, ahead.size() - ahead_read);
    std::memcpy(data, ahead.data() + ahead_read, got);
    ahead_read += got;
  } else if (failure) {
    return failure;
  } else if (source) {
    // Straight into `data`: the core reads a large body there from the socket.
    ec = source->run([&](auto done) {
      source->response().async_read_some(asio::buffer(data, size),
                                         done.keeping([&got](std::size_t n) { got = n; }));
    });
  }
  body_read += got;
  return ec;
}

std::error_code response_state::next(std::string_view& piece) {
  piece = {};
  std::error_code ec;
  if (ahead_read < ahead.size()) {
    piece = std::string_view(ahead).substr(ahead_read);
    ahead_read = ahead.size();
  } else if (failure) {
    return failure;
  } else if (source) {
    ec = pull(piece);
  }
  body_read += piece.size();
  return ec;
}

void response_state::read_ahead() {
  if (closed || !source) return;
  for (;;) {
    std::string_view piece;
    failure = pull(piece);
    if (failure || piece.empty()) break;
    ahead.append(piece);
  }
  source.reset();
}

bool response_state::complete() {
  return !closed && content_length && body_read == *content_length && (!source || source_done());
}

void response_state::fail(std::error_code ec, std::string partial) {
  close();
  failure_context context;
  context.in_body = true;
  context.partial = std::move(partial);
  if (content_length) context.expected = static_cast<std::size_t>(*content_length - body_read);
  throw_error(ec, std::move(context));
}

void response_state::close() {
  if (closed) return;
  closed = true;
  ahead.clear();
  // A body not read to its end leaves the connection unusable.
  if (source && !source_done()) source->connection().close();
  source.reset();
}

}  // namespace detail

// --- HTTPMessage ----------------------------------------------------------------

// Names compare with httpc::iequals (httpc/parser.hpp), as the core's do.

std::optional<std::string> HTTPMessage::get(std::string_view name) const {
  if (const auto value = head_.header(name)) return std::string(*value);
  return std::nullopt;
}

std::vector<std::string> HTTPMessage::get_all(std::string_view name) const {
  std::vector<std::string> values;
  for (const header_field field : head_.fields()) {
    if (iequals(field.name, name)) values.emplace_back(field.value);
  }
  return values;
}

// --- HTTPResponse ---------------------------------------------------------------

HTTPResponse::HTTPResponse(std::shared_ptr<detail::response_state> state) noexcept
    : state_(std::move(state)) {}

HTTPResponse::~HTTPResponse() = default;

std::optional<std::string> HTTPResponse::getheader(std::string_view name) const {
  const std::vector<std::string> values = msg_.get_all(name);
  if (values.empty()) return std::nullopt;
  std::string joined = values.front();
  for (std::size_t i = 1; i < values.size(); ++i) joined += ", " + values[i];
  return joined;
}

std::string HTTPResponse::getheader(std::string_view name, std::string_view default_value) const {
  return getheader(name).value_or(std::string(default_value));
}

bool HTTPResponse::isclosed() const noexcept { return !state_ || state_->closed; }

std::string HTTPResponse::read() {
  std::string body;
  if (isclosed()) return body;
  detail::response_state& s = *state_;
  // What the core holds (often the whole of a small body) comes as a view,
  // copied once: nothing is zero-filled for it.
  std::string_view first;
  if (const std::error_code ec = s.next(first)) s.fail(ec, std::move(body));
  if (first.empty() || s.complete()) {
    body.assign(first);
    s.close();
    return body;
  }
  // More is coming: it goes from the socket straight into the string, which
  // grows with the bytes received in 16 KiB steps, each zero-filled only
  // when it takes 4 KiB or more. (Gathering pieces through the core's buffer
  // instead costs a copy, and its reallocations made glibc give the pages
  // back and fault them in again for every 64 KiB body.)
  body.resize(std::max<std::size_t>(16 * 1024, first.size()));
  std::memcpy(body.data(), first.data(), first.size());
  std::size_t got = first.size();
  for (;;) {
    if (body.size() - got < 4096) body.resize(got + 16 * 1024);
    std::size_t n = 0;
    if (const std::error_code ec = s.read_some(body.data() + got, body.size() - got, n)) {
      body.resize(got);
      s.fail(ec, std::move(body));
    }
    got += n;
    if (n == 0 || s.complete()) break;
  }
  body.resize(got);
  s.close();
  return body;
}

std::string HTTPResponse::read(std::size_t amt) {
  std::string body(amt, '\0');
  body.resize(readinto(body));
  return body;
}

std::size_t HTTPResponse::readinto(std::span<char> buffer) {
  if (isclosed()) return 0;
  detail::response_state& s = *state_;
  std::size_t got = 0;
  while (got < buffer.size()) {
    std::size_t n = 0;
    if (const std::error_code ec = s.read_some(buffer.data() + got, buffer.size() - got, n))
      s.fail(ec, std::string(buffer.data(), got));
    if (n == 0) {
      s.close();
      break;
    }
    got += n;
  }
  // As CPython, a Content-Length body read to its last byte closes the response.
  if (s.complete()) s.close();
  return got;
}

void HTTPResponse::close() {
  if (state_) state_->close();
}

}  // namespace httpc
