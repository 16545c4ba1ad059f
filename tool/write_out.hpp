#pragma once
// -w FORMAT: curl's %{variable} syntax over one transfer's facts.

#include <cstdint>
#include <string>
#include <string_view>

namespace httpc::tool {

/// What one transfer did, as the -w variables name it.
struct transfer_facts {
  int http_code = 0;     // 0: no response
  int http_version = 0;  // 11, 10; 0: no response
  unsigned num_connects = 0;
  unsigned num_redirects = 0;
  std::string remote_ip;  // empty: no address reached
  std::uint16_t remote_port = 0;
  std::uint64_t size_download = 0;  // body bytes
  std::uint64_t size_upload = 0;    // request body bytes
  // Seconds from the start of the transfer until each phase ended (curl's
  // cumulative times); 0 for a phase that did not happen.
  double time_namelookup = 0, time_connect = 0, time_appconnect = 0;
  double time_starttransfer = 0, time_total = 0;
  std::string url_effective;
  int exitcode = 0;
  std::string errormsg;
};

/// The format with its variables replaced and its \n, \r, \t escapes
/// turned into bytes. An unknown variable is left out and named in `warnings`
/// (one line each, for stderr).
std::string format_write_out(std::string_view format, const transfer_facts& facts, std::string& warnings);

}  // namespace httpc::tool
