// The one place above the core's template where plain or TLS is chosen.

#include "httpc/any_connection.hpp"

namespace httpc {

any_connection::any_connection(const executor_type& executor, asio::ssl::context* tls_context,
                               connection_options options)
    : link_(make_link(executor, tls_context, std::move(options))) {}

// Built in place: a connection does not move.
any_connection::link_type any_connection::make_link(const executor_type& executor,
                                                    asio::ssl::context* tls_context,
                                                    connection_options options) {
  if (tls_context) return link_type(std::in_place_index<1>, executor, *tls_context, std::move(options));
  return link_type(std::in_place_index<0>, executor, std::move(options));
}

}  // namespace httpc
