// Tests of httpc's error category (httpc/error.hpp).
#include "httpc/error.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <system_error>
#include <type_traits>

namespace {

constexpr int first_value = static_cast<int>(httpc::error::remote_disconnected);

// The last value with a message of its own: values run from first_value
// without gaps, and a value past the end gets the category's fallback
// message. Found rather than named, so that new values are covered.
int last_value() {
  const std::string fallback = httpc::error_category().message(1 << 20);
  int last = first_value - 1;
  while (last < 10000 && httpc::error_category().message(last + 1) != fallback) ++last;
  return last;
}

}  // namespace

TEST_CASE("the category is named httpc and is one object") {
  CHECK(std::string(httpc::error_category().name()) == "httpc");
  CHECK(&httpc::error_category() == &httpc::error_category());
  CHECK(&httpc::make_error_code(httpc::error::bad_chunk).category() == &httpc::error_category());
}

TEST_CASE("error values start at 1, so no error is the zero value") {
  CHECK(first_value == 1);
  // Every enumerator up to the newest one known here has a message.
  CHECK(last_value() >= static_cast<int>(httpc::error::invalid_target));
  const std::error_code none;
  CHECK_FALSE(none);
  CHECK(none != httpc::error::remote_disconnected);
}

TEST_CASE("every error value has a non-empty message of its own") {
  const int last = last_value();
  REQUIRE(last >= static_cast<int>(httpc::error::invalid_target));
  std::set<std::string> messages;
  for (int value = first_value; value <= last; ++value) {
    CAPTURE(value);
    const std::string message = httpc::error_category().message(value);
    CHECK_FALSE(message.empty());
    CHECK(messages.insert(message).second);  // distinct from every earlier one
    const std::error_code ec = httpc::make_error_code(static_cast<httpc::error>(value));
    CHECK(ec.message() == message);
  }
  CHECK(messages.size() == static_cast<std::size_t>(last - first_value + 1));
}

TEST_CASE("httpc::error converts to std::error_code and compares with it") {
  static_assert(std::is_error_code_enum_v<httpc::error>);

  const std::error_code ec = httpc::error::bad_chunk;  // implicit, via make_error_code
  CHECK(ec);
  CHECK(ec.value() == static_cast<int>(httpc::error::bad_chunk));
  CHECK(ec.category() == httpc::error_category());
  CHECK(ec == httpc::error::bad_chunk);
  CHECK(httpc::error::bad_chunk == ec);
  CHECK(ec != httpc::error::bad_status_line);
  CHECK(ec == httpc::make_error_code(httpc::error::bad_chunk));

  std::error_code assigned;
  assigned = httpc::error::line_too_long;
  CHECK(assigned == httpc::error::line_too_long);

  // The same value in another category is another error.
  const std::error_code generic(ec.value(), std::generic_category());
  CHECK(generic != ec);
  CHECK(generic != httpc::error::bad_chunk);
  CHECK(ec != std::errc::connection_reset);
}

TEST_CASE("a value outside the enumeration still has a message") {
  CHECK_FALSE(httpc::error_category().message(0).empty());
  CHECK_FALSE(httpc::error_category().message(last_value() + 1).empty());
}
