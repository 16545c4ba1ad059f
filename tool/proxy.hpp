#pragma once
// The proxy of a transfer, chosen as curl chooses: -x, else the
// environment (http_proxy, HTTPS_PROXY, ALL_PROXY), unless --noproxy (in
// place of NO_PROXY) exempts the host; curl's port 1080 when none is given;
// --proxy-user as the proxy's credentials.

#include <string>
#include <string_view>

#include "options.hpp"

namespace httpc::tool {

/// What request_options::proxy takes for `url_text`: a proxy URL, or ""
/// (direct; also for a URL that does not parse, which fails later).
std::string proxy_for(const options& o, std::string_view url_text);

}  // namespace httpc::tool
