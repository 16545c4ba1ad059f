// Asio's context calls with error codes: a bad file is an exit code, not an
// exception.

#include "tls_context.hpp"

#include <openssl/ssl.h>

namespace httpc::tool {

exit_code tls_context_for(const options& o, std::optional<asio::ssl::context>& context, std::string& error) {
  if (!o.insecure && !o.cacert && !o.cert && !o.key) return ok;
  context.emplace(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  std::error_code ec;
  if (o.insecure) {
    context->set_verify_mode(asio::ssl::verify_none);
  } else {
    context->set_verify_mode(asio::ssl::verify_peer);
    if (o.cacert)
      context->load_verify_file(*o.cacert, ec);
    else
      context->set_default_verify_paths(ec);
    if (ec) {
      error = "cannot load CA certificates from " + o.cacert.value_or("the system") + ": " + ec.message();
      return ca_cert_failed;
    }
  }
  if (o.cert) {
    context->use_certificate_chain_file(*o.cert, ec);
    if (!ec) context->use_private_key_file(o.key.value_or(*o.cert), asio::ssl::context::pem, ec);
    if (ec) {
      error = "cannot use the client certificate " + *o.cert + ": " + ec.message();
      return client_cert_failed;
    }
  }
  return ok;
}

}  // namespace httpc::tool
