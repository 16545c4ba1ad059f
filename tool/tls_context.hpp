#pragma once
// The TLS context that -k, --cacert, --cert and --key ask for.

#include <asio/ssl/context.hpp>

#include <optional>
#include <string>

#include "exit_code.hpp"
#include "options.hpp"

namespace httpc::tool {

/// Makes `context` when a TLS flag asks for one (else it stays empty and the
/// pool's default, the system trust store with verification, applies): TLS
/// 1.2 or later; -k: no verification; --cacert: that file's CAs instead of
/// the system's; --cert and --key: the client certificate. A file that
/// cannot be used: ca_cert_failed (77) or client_cert_failed (58), `error`
/// says why.
exit_code tls_context_for(const options& o, std::optional<asio::ssl::context>& context, std::string& error);

}  // namespace httpc::tool
