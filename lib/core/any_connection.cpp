// The one place above the core's template where plain or TLS is chosen.

#include "httpc/any_connection.hpp"

namespace httpc {

any_connection::any_connection(const executor_type& executor, asio::ssl::context* tls_context,
                               connection_options options)
    : link_(make_link(executor, tls_context, std::move(options))) {}

any_connection::link_type any_connection::make_link(const executor_type& executor,
                                                    asio::ssl::context* tls_context,
                                                    connection_options options) {
  if (tls_context) return std::make_unique<tls_connection>(executor, *tls_context, std::move(options));
  return std::make_unique<connection>(executor, std::move(options));
}

}  // namespace httpc
