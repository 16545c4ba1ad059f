#pragma once
// The default resolver over c-ares (built when CMake finds it:
// HTTPC_WITH_CARES), behind make_resolver().

#include "httpc/resolver.hpp"

namespace httpc::detail {

std::shared_ptr<resolver> make_cares_resolver(const asio::any_io_executor& executor,
                                              const resolver_options& options);

}  // namespace httpc::detail
