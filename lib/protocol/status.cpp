#include "httpc/status.hpp"

#include <algorithm>  // std::adjacent_find
#include <stdexcept>  // std::out_of_range
#include <string>     // std::to_string, the message

namespace httpc {

// find() is a binary search: the table must be sorted, each code once.
static_assert(std::adjacent_find(responses.begin(), responses.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.first >= b.first;
                                 }) == responses.end(),
              "detail::status_phrases must be sorted by code, without repeats");
static_assert(responses.at(NOT_FOUND) == "Not Found");

namespace detail {

void throw_unknown_status(int code) {
  throw std::out_of_range("httpc::responses: no status code " + std::to_string(code));
}

}  // namespace detail
}  // namespace httpc
