#pragma once
// -v: what happened, on stderr, as curl shows it: "*" lines for events,
// ">" for the request head, "<" for the response head.

#include <cstdio>
#include <string>

#include <httpc/pool.hpp>

#include "request.hpp"

namespace httpc::tool {

/// "*   Trying address:port..." for an address about to be tried; "*
/// Connected to ..." and, over TLS, the version, cipher, ALPN and the peer
/// certificate's subject and issuer, for a connection opened.
void print_connected(std::FILE* out, const connection_event& event);

/// What the pool did for the request: connection reused, retries,
/// redirects followed; a failed connect's address.
void print_events(std::FILE* out, const request_timings& timings, const std::string& final_url);

/// The request head as the connection sends it (the serializer's bytes).
void print_request_head(std::FILE* out, const prepared_request& request);

/// The response head as parsed.
void print_response_head(std::FILE* out, const streaming_response& response);

/// The response head in HTTP/1.1 syntax, for -i and -I.
std::string response_head_text(const streaming_response& response);

}  // namespace httpc::tool
