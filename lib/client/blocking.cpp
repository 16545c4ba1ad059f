#include "blocking.hpp"

namespace httpc::detail {

blocking_connection::blocking_connection(const connection_options& options,
                                         std::shared_ptr<asio::ssl::context> tls_context)
    : tls_context_(std::move(tls_context)), exchange_(make_exchange(options)) {}

blocking_connection::exchange_type blocking_connection::make_exchange(const connection_options& options) {
  if (tls_context_)
    return exchange_type(std::in_place_index<1>, step_executor{&io_}, *tls_context_, options);
  return exchange_type(std::in_place_index<0>, step_executor{&io_}, options);
}

}  // namespace httpc::detail
