// The coroutine core, instantiated once for each stream type.

#include "httpc/connection.hpp"

namespace httpc {

asio::ssl::context make_tls_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  return context;
}

template class basic_connection<asio::ip::tcp::socket>;
template class basic_connection<asio::ssl::stream<asio::ip::tcp::socket>>;

}  // namespace httpc
