// Tests of the status constants and `responses` (httpc/status.hpp).
#include "httpc/status.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

using namespace std::literals;

// Usable at compile time.
static_assert(httpc::responses.at(httpc::OK) == "OK");
static_assert(httpc::responses.contains(httpc::IM_A_TEAPOT));
static_assert(!httpc::responses.contains(299));

TEST_CASE("the ports") {
  CHECK(std::is_same_v<decltype(httpc::HTTP_PORT), const std::uint16_t>);
  CHECK(std::is_same_v<decltype(httpc::HTTPS_PORT), const std::uint16_t>);
  CHECK(httpc::HTTP_PORT == 80);
  CHECK(httpc::HTTPS_PORT == 443);
}

TEST_CASE("every constant of Python 3.11's HTTPStatus and the httplib 2.x table") {
  CHECK(std::is_same_v<decltype(httpc::OK), const int>);
  // name, value: as `python3 -c 'import http; print(list(http.HTTPStatus))'`.
  const std::map<std::string_view, int> expected{
      {"CONTINUE", 100}, {"SWITCHING_PROTOCOLS", 101}, {"PROCESSING", 102},
      {"EARLY_HINTS", 103}, {"OK", 200}, {"CREATED", 201}, {"ACCEPTED", 202},
      {"NON_AUTHORITATIVE_INFORMATION", 203}, {"NO_CONTENT", 204}, {"RESET_CONTENT", 205},
      {"PARTIAL_CONTENT", 206}, {"MULTI_STATUS", 207}, {"ALREADY_REPORTED", 208},
      {"IM_USED", 226}, {"MULTIPLE_CHOICES", 300}, {"MOVED_PERMANENTLY", 301},
      {"FOUND", 302}, {"SEE_OTHER", 303}, {"NOT_MODIFIED", 304}, {"USE_PROXY", 305},
      {"TEMPORARY_REDIRECT", 307}, {"PERMANENT_REDIRECT", 308}, {"BAD_REQUEST", 400},
      {"UNAUTHORIZED", 401}, {"PAYMENT_REQUIRED", 402}, {"FORBIDDEN", 403},
      {"NOT_FOUND", 404}, {"METHOD_NOT_ALLOWED", 405}, {"NOT_ACCEPTABLE", 406},
      {"PROXY_AUTHENTICATION_REQUIRED", 407}, {"REQUEST_TIMEOUT", 408}, {"CONFLICT", 409},
      {"GONE", 410}, {"LENGTH_REQUIRED", 411}, {"PRECONDITION_FAILED", 412},
      {"REQUEST_ENTITY_TOO_LARGE", 413}, {"REQUEST_URI_TOO_LONG", 414},
      {"UNSUPPORTED_MEDIA_TYPE", 415}, {"REQUESTED_RANGE_NOT_SATISFIABLE", 416},
      {"EXPECTATION_FAILED", 417}, {"IM_A_TEAPOT", 418}, {"MISDIRECTED_REQUEST", 421},
      {"UNPROCESSABLE_ENTITY", 422}, {"LOCKED", 423}, {"FAILED_DEPENDENCY", 424},
      {"TOO_EARLY", 425}, {"UPGRADE_REQUIRED", 426}, {"PRECONDITION_REQUIRED", 428},
      {"TOO_MANY_REQUESTS", 429}, {"REQUEST_HEADER_FIELDS_TOO_LARGE", 431},
      {"UNAVAILABLE_FOR_LEGAL_REASONS", 451}, {"INTERNAL_SERVER_ERROR", 500},
      {"NOT_IMPLEMENTED", 501}, {"BAD_GATEWAY", 502}, {"SERVICE_UNAVAILABLE", 503},
      {"GATEWAY_TIMEOUT", 504}, {"HTTP_VERSION_NOT_SUPPORTED", 505},
      {"VARIANT_ALSO_NEGOTIATES", 506}, {"INSUFFICIENT_STORAGE", 507},
      {"LOOP_DETECTED", 508}, {"NOT_EXTENDED", 510}, {"NETWORK_AUTHENTICATION_REQUIRED", 511},
  };
  const std::map<std::string_view, int> actual{
      {"CONTINUE", httpc::CONTINUE}, {"SWITCHING_PROTOCOLS", httpc::SWITCHING_PROTOCOLS},
      {"PROCESSING", httpc::PROCESSING}, {"EARLY_HINTS", httpc::EARLY_HINTS},
      {"OK", httpc::OK}, {"CREATED", httpc::CREATED}, {"ACCEPTED", httpc::ACCEPTED},
      {"NON_AUTHORITATIVE_INFORMATION", httpc::NON_AUTHORITATIVE_INFORMATION},
      {"NO_CONTENT", httpc::NO_CONTENT}, {"RESET_CONTENT", httpc::RESET_CONTENT},
      {"PARTIAL_CONTENT", httpc::PARTIAL_CONTENT}, {"MULTI_STATUS", httpc::MULTI_STATUS},
      {"ALREADY_REPORTED", httpc::ALREADY_REPORTED}, {"IM_USED", httpc::IM_USED},
      {"MULTIPLE_CHOICES", httpc::MULTIPLE_CHOICES},
      {"MOVED_PERMANENTLY", httpc::MOVED_PERMANENTLY}, {"FOUND", httpc::FOUND},
      {"SEE_OTHER", httpc::SEE_OTHER}, {"NOT_MODIFIED", httpc::NOT_MODIFIED},
      {"USE_PROXY", httpc::USE_PROXY}, {"TEMPORARY_REDIRECT", httpc::TEMPORARY_REDIRECT},
      {"PERMANENT_REDIRECT", httpc::PERMANENT_REDIRECT}, {"BAD_REQUEST", httpc::BAD_REQUEST},
      {"UNAUTHORIZED", httpc::UNAUTHORIZED}, {"PAYMENT_REQUIRED", httpc::PAYMENT_REQUIRED},
      {"FORBIDDEN", httpc::FORBIDDEN}, {"NOT_FOUND", httpc::NOT_FOUND},
      {"METHOD_NOT_ALLOWED", httpc::METHOD_NOT_ALLOWED},
      {"NOT_ACCEPTABLE", httpc::NOT_ACCEPTABLE},
      {"PROXY_AUTHENTICATION_REQUIRED", httpc::PROXY_AUTHENTICATION_REQUIRED},
      {"REQUEST_TIMEOUT", httpc::REQUEST_TIMEOUT}, {"CONFLICT", httpc::CONFLICT},
      {"GONE", httpc::GONE}, {"LENGTH_REQUIRED", httpc::LENGTH_REQUIRED},
      {"PRECONDITION_FAILED", httpc::PRECONDITION_FAILED},
      {"REQUEST_ENTITY_TOO_LARGE", httpc::REQUEST_ENTITY_TOO_LARGE},
      {"REQUEST_URI_TOO_LONG", httpc::REQUEST_URI_TOO_LONG},
      {"UNSUPPORTED_MEDIA_TYPE", httpc::UNSUPPORTED_MEDIA_TYPE},
      {"REQUESTED_RANGE_NOT_SATISFIABLE", httpc::REQUESTED_RANGE_NOT_SATISFIABLE},
      {"EXPECTATION_FAILED", httpc::EXPECTATION_FAILED}, {"IM_A_TEAPOT", httpc::IM_A_TEAPOT},
      {"MISDIRECTED_REQUEST", httpc::MISDIRECTED_REQUEST},
      {"UNPROCESSABLE_ENTITY", httpc::UNPROCESSABLE_ENTITY}, {"LOCKED", httpc::LOCKED},
      {"FAILED_DEPENDENCY", httpc::FAILED_DEPENDENCY}, {"TOO_EARLY", httpc::TOO_EARLY},
      {"UPGRADE_REQUIRED", httpc::UPGRADE_REQUIRED},
      {"PRECONDITION_REQUIRED", httpc::PRECONDITION_REQUIRED},
      {"TOO_MANY_REQUESTS", httpc::TOO_MANY_REQUESTS},
      {"REQUEST_HEADER_FIELDS_TOO_LARGE", httpc::REQUEST_HEADER_FIELDS_TOO_LARGE},
      {"UNAVAILABLE_FOR_LEGAL_REASONS", httpc::UNAVAILABLE_FOR_LEGAL_REASONS},
      {"INTERNAL_SERVER_ERROR", httpc::INTERNAL_SERVER_ERROR},
      {"NOT_IMPLEMENTED", httpc::NOT_IMPLEMENTED}, {"BAD_GATEWAY", httpc::BAD_GATEWAY},
      {"SERVICE_UNAVAILABLE", httpc::SERVICE_UNAVAILABLE},
      {"GATEWAY_TIMEOUT", httpc::GATEWAY_TIMEOUT},
      {"HTTP_VERSION_NOT_SUPPORTED", httpc::HTTP_VERSION_NOT_SUPPORTED},
      {"VARIANT_ALSO_NEGOTIATES", httpc::VARIANT_ALSO_NEGOTIATES},
      {"INSUFFICIENT_STORAGE", httpc::INSUFFICIENT_STORAGE},
      {"LOOP_DETECTED", httpc::LOOP_DETECTED}, {"NOT_EXTENDED", httpc::NOT_EXTENDED},
      {"NETWORK_AUTHENTICATION_REQUIRED", httpc::NETWORK_AUTHENTICATION_REQUIRED},
  };
  CHECK(expected.size() == 62);
  CHECK(actual == expected);
  // One phrase per code, and no code without a phrase.
  CHECK(httpc::responses.size() == expected.size());
  // No structured binding: clang 14 cannot capture one in INFO's lambda.
  for (const auto& entry : expected) {
    INFO(entry.first);
    CHECK(httpc::responses.contains(entry.second));
  }
}

TEST_CASE("the names Python 3.13 added are aliases of 3.11's codes") {
  CHECK(httpc::CONTENT_TOO_LARGE == httpc::REQUEST_ENTITY_TOO_LARGE);
  CHECK(httpc::URI_TOO_LONG == httpc::REQUEST_URI_TOO_LONG);
  CHECK(httpc::RANGE_NOT_SATISFIABLE == httpc::REQUESTED_RANGE_NOT_SATISFIABLE);
  CHECK(httpc::UNPROCESSABLE_CONTENT == httpc::UNPROCESSABLE_ENTITY);
  // The phrases stay 3.11's.
  CHECK(httpc::responses.at(httpc::CONTENT_TOO_LARGE) == "Request Entity Too Large");
  CHECK(httpc::responses.at(httpc::URI_TOO_LONG) == "Request-URI Too Long");
}

TEST_CASE("responses: phrases as Python 3.11's HTTPStatus") {
  CHECK(httpc::responses.at(httpc::NOT_FOUND) == "Not Found");  // docs/reference.md's example (Status codes)
  CHECK(httpc::responses.at(100) == "Continue");
  CHECK(httpc::responses.at(103) == "Early Hints");
  CHECK(httpc::responses.at(200) == "OK");
  CHECK(httpc::responses.at(203) == "Non-Authoritative Information");
  CHECK(httpc::responses.at(207) == "Multi-Status");
  CHECK(httpc::responses.at(226) == "IM Used");
  CHECK(httpc::responses.at(308) == "Permanent Redirect");
  CHECK(httpc::responses.at(414) == "Request-URI Too Long");
  CHECK(httpc::responses.at(416) == "Requested Range Not Satisfiable");
  CHECK(httpc::responses.at(418) == "I'm a Teapot");
  CHECK(httpc::responses.at(421) == "Misdirected Request");
  CHECK(httpc::responses.at(425) == "Too Early");
  CHECK(httpc::responses.at(431) == "Request Header Fields Too Large");
  CHECK(httpc::responses.at(451) == "Unavailable For Legal Reasons");
  CHECK(httpc::responses.at(505) == "HTTP Version Not Supported");
  CHECK(httpc::responses.at(511) == "Network Authentication Required");
  CHECK(httpc::responses[httpc::GONE] == "Gone");
}

TEST_CASE("responses: unknown codes") {
  for (const int code : {0, -1, 99, 104, 209, 306, 419, 420, 427, 430, 509, 512, 600, 999}) {
    INFO(code);
    CHECK_FALSE(httpc::responses.contains(code));
    CHECK(httpc::responses.count(code) == 0);
    CHECK(httpc::responses.find(code) == httpc::responses.end());
    CHECK_THROWS_AS(httpc::responses.at(code), std::out_of_range);
    CHECK_THROWS_AS(httpc::responses[code], std::out_of_range);
  }
  try {
    (void)httpc::responses.at(299);
    FAIL("no exception");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()).find("299") != std::string::npos);
  }
}

TEST_CASE("responses: iteration in code order, map-like entries") {
  int previous = 0;
  std::size_t n = 0;
  for (const auto& [code, phrase] : httpc::responses) {
    CHECK(code > previous);
    CHECK_FALSE(phrase.empty());
    previous = code;
    ++n;
  }
  CHECK(n == httpc::responses.size());
  CHECK_FALSE(httpc::responses.empty());
  const auto it = httpc::responses.find(httpc::NO_CONTENT);
  REQUIRE(it != httpc::responses.end());
  CHECK(it->first == 204);
  CHECK(it->second == "No Content");
  CHECK(httpc::responses.count(204) == 1);
}
