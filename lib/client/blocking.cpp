#include "blocking.hpp"

namespace httpc::detail {

blocking_connection::blocking_connection(const connection_options& options,
                                         std::shared_ptr<asio::ssl::context> tls_context)
    : tls_context_(std::move(tls_context)),
      connection_(step_executor{&io_}, tls_context_.get(), options) {}

}  // namespace httpc::detail
