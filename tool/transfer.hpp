#pragma once
// Every URL of the command line through one pool: one after another, or
// with -Z several at once; each body streamed to its output as it arrives.

#include "options.hpp"

namespace httpc::tool {

/// Runs the transfers; the exit code is the last URL's, as curl's.
int run_transfers(const options& o);

}  // namespace httpc::tool
