// httpc: curl's command line over the httpc pool.

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "exit_code.hpp"
#include "options.hpp"
#include "transfer.hpp"

int main(int argc, char** argv) try {
  // A closed stdout (`httpc URL | head -c 10`) is a write error, exit 23, as
  // curl: not a death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const httpc::tool::parse_result parsed = httpc::tool::parse_command_line(args);
  if (parsed.opts.help) {
    std::fputs(httpc::tool::usage_text(), stdout);
    return 0;
  }
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "httpc: %s\nhttpc: try 'httpc --help' for more information\n", parsed.error.c_str());
    return httpc::tool::usage;
  }
  return httpc::tool::run_transfers(parsed.opts);
} catch (const std::exception& e) {
  std::fprintf(stderr, "httpc: %s\n", e.what());
  return 1;
}
