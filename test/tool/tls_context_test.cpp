// The TLS context of -k, --cacert, --cert, --key (tool/tls_context.hpp):
// none without a flag; files that cannot be used are exits 77 and 58.
#include "tls_context.hpp"

#include <doctest/doctest.h>

#include <openssl/ssl.h>

using httpc::tool::options;
using httpc::tool::tls_context_for;

TEST_CASE("tls context: none without a TLS flag; -k turns verification off") {
  std::optional<asio::ssl::context> context;
  std::string error;
  CHECK(tls_context_for(options{}, context, error) == httpc::tool::ok);
  CHECK_FALSE(context);
  options insecure;
  insecure.insecure = true;
  CHECK(tls_context_for(insecure, context, error) == httpc::tool::ok);
  REQUIRE(context);
  CHECK(SSL_CTX_get_verify_mode(context->native_handle()) == SSL_VERIFY_NONE);
  CHECK(SSL_CTX_get_min_proto_version(context->native_handle()) == TLS1_2_VERSION);
}

TEST_CASE("tls context: a CA file or a client certificate that cannot be used") {
  std::optional<asio::ssl::context> context;
  std::string error;
  options ca;
  ca.cacert = "/nonexistent-dir/ca.pem";
  CHECK(tls_context_for(ca, context, error) == httpc::tool::ca_cert_failed);
  CHECK(error.starts_with("cannot load CA certificates from /nonexistent-dir/ca.pem"));
  options cert;
  cert.cert = "/nonexistent-dir/cert.pem";
  context.reset();
  CHECK(tls_context_for(cert, context, error) == httpc::tool::client_cert_failed);
  CHECK(error.starts_with("cannot use the client certificate /nonexistent-dir/cert.pem"));
}
