#pragma once
/// \file
/// Which proxy a request takes when the environment says, by the rules of
/// curl 7.88 (Debian 12's): http_proxy, https_proxy / HTTPS_PROXY,
/// all_proxy / ALL_PROXY, and the no_proxy / NO_PROXY list. Only the
/// decision: the pool connects. docs/reference.md, "Proxies from the
/// environment", lists the rules and where curl surprises.
///
///     httpc::url u = httpc::parse_url("https://api.example.org/");
///     std::string proxy = httpc::proxy_from_environment(u);
///     // "" (direct), or e.g. "http://proxy.local:3128"

#include <functional>   // std::function, the lookup
#include <optional>     // a variable that is not set
#include <string>       // the proxy's URL text
#include <string_view>  // names, lists, hosts

#include "httpc/url.hpp"  // httpc::url, the target

namespace httpc {

/// Looks up an environment variable by its exact name (case matters):
/// its value, or nothing when it is not set.
using environment = std::function<std::optional<std::string>(std::string_view name)>;

/// The process's own environment (getenv).
environment process_environment();

/// The proxy curl 7.88 would take for `target` from `env`, as URL text
/// ("http://" put in front of a value without "://"); empty: connect
/// directly. An empty variable counts as not set.
std::string proxy_from_environment(const url& target, const environment& env = process_environment());

/// The variables proxy_from_environment reads, as the process has them
/// now: later changes to the environment do not reach this lookup (and a
/// pool reading it never races with a setenv).
environment proxy_environment_snapshot();

/// Whether a NO_PROXY-style list (what curl's --noproxy also takes) exempts
/// `host`, given as in a url (an IPv6 literal without brackets). curl 7.88
/// never looks at a port: an entry that holds one matches no host.
bool no_proxy_exempts(std::string_view no_proxy_list, std::string_view host);

}  // namespace httpc
