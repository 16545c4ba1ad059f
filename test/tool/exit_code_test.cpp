// The exit-code table (tool/exit_code.hpp): each error the pool and the
// core report, and the curl number it becomes.
#include "exit_code.hpp"

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <doctest/doctest.h>

#include "httpc/error.hpp"

using namespace httpc::tool;

namespace {

std::error_code ssl_reason(int reason) {
  return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), asio::error::get_ssl_category()};
}

std::error_code os(std::errc e) { return std::make_error_code(e); }

}  // namespace

TEST_CASE("exit codes: the table") {
  CHECK(exit_code_for({}) == ok);
  CHECK(exit_code_for(httpc::error::invalid_url) == malformed_url);
  CHECK(exit_code_for(asio::error::host_not_found) == resolve_failed);
  CHECK(exit_code_for(asio::error::host_not_found_try_again) == resolve_failed);
  CHECK(exit_code_for(os(std::errc::connection_refused)) == connect_failed);
  CHECK(exit_code_for(os(std::errc::network_unreachable)) == connect_failed);
  CHECK(exit_code_for(os(std::errc::host_unreachable)) == connect_failed);
  CHECK(exit_code_for(httpc::error::incomplete_body) == partial_file);
  CHECK(exit_code_for(httpc::error::bad_chunk) == partial_file);
  CHECK(exit_code_for(os(std::errc::timed_out)) == timed_out);
  CHECK(exit_code_for(ssl_reason(SSL_R_WRONG_VERSION_NUMBER)) == tls_connect_failed);
  CHECK(exit_code_for(ssl_reason(SSL_R_CERTIFICATE_VERIFY_FAILED)) == peer_failed_verification);
  CHECK(exit_code_for(asio::ssl::error::stream_truncated) == receive_error);
  CHECK(exit_code_for(httpc::error::remote_disconnected) == empty_reply);
  CHECK(exit_code_for(os(std::errc::broken_pipe)) == send_error);
  CHECK(exit_code_for(os(std::errc::connection_reset)) == receive_error);
  CHECK(exit_code_for(asio::error::eof) == receive_error);
  CHECK(exit_code_for(httpc::error::unknown_transfer_encoding) == bad_content_encoding);
  CHECK(exit_code_for(httpc::error::unsupported_content_encoding) == bad_content_encoding);
  CHECK(exit_code_for(httpc::error::bad_content_encoding) == bad_content_encoding);
  CHECK(exit_code_for(httpc::error::bad_status_line) == weird_reply);
  CHECK(exit_code_for(httpc::error::bad_header) == weird_reply);
  CHECK(exit_code_for(httpc::error::socks_failed) == proxy_failed);
  CHECK(exit_code_for(httpc::error::socks_auth_failed) == proxy_failed);
  CHECK(exit_code_for(httpc::error::bad_socks_reply) == proxy_failed);
}

TEST_CASE("exit codes: curl's numbers") {
  CHECK(malformed_url == 3);
  CHECK(resolve_failed == 6);
  CHECK(connect_failed == 7);
  CHECK(partial_file == 18);
  CHECK(http_error == 22);
  CHECK(write_error == 23);
  CHECK(read_error == 26);
  CHECK(timed_out == 28);
  CHECK(tls_connect_failed == 35);
  CHECK(too_many_redirects == 47);
  CHECK(empty_reply == 52);
  CHECK(send_error == 55);
  CHECK(receive_error == 56);
  CHECK(peer_failed_verification == 60);
  CHECK(bad_content_encoding == 61);
  CHECK(proxy_failed == 97);
}
