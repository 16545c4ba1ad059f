#pragma once
// Every URL of the command line through one pool: one after another, or
// with -Z several at once; each body streamed to its output as it arrives.

#include "options.hpp"

namespace httpc::tool {

/// Runs the transfers. The exit code: the last URL's, as curl's; with -Z
/// the first failure's in command-line order.
int run_transfers(const options& o);

}  // namespace httpc::tool
