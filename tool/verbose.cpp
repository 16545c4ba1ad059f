// Verbose lines. The request head is serialized again with the library's
// own serializer, so it shows the automatic fields (Host, Accept-Encoding,
// framing) that the connection adds.

#include "verbose.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <httpc/serializer.hpp>
#include <httpc/url.hpp>

namespace httpc::tool {
namespace {

std::string address(const asio::ip::tcp::endpoint& endpoint) { return endpoint.address().to_string(); }

// A certificate name on one line: "CN=localhost, O=httpc test".
std::string name_line(const X509_NAME* name) {
  if (!name) return "(none)";
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return text;
}

// Each line of a head, without its CRLF, after a prefix.
void print_lines(std::FILE* out, const char* prefix, std::string_view head) {
  while (!head.empty()) {
    const auto end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    std::fprintf(out, "%s%.*s\n", line.empty() ? prefix : (std::string(prefix) + " ").c_str(),
                 static_cast<int>(line.size()), line.data());
    if (end == std::string_view::npos) break;
    head.remove_prefix(end + 2);
  }
}

}  // namespace

void print_connected(std::FILE* out, const connection_event& event) {
  if (!event.connected) {
    std::fprintf(out, "*   Trying %s:%u...\n", address(event.remote).c_str(),
                 static_cast<unsigned>(event.remote.port()));
    return;
  }
  std::fprintf(out, "* Connected to %s (%s) port %u\n", event.target->host.c_str(),
               address(event.remote).c_str(), static_cast<unsigned>(event.remote.port()));
  SSL* ssl = event.tls;
  if (!ssl) return;
  std::fprintf(out, "* TLS: %s, cipher %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
  if (alpn_size)
    std::fprintf(out, "* ALPN: server accepted %.*s\n", static_cast<int>(alpn_size),
                 reinterpret_cast<const char*>(alpn));
  else
    std::fprintf(out, "* ALPN: server did not agree on a protocol\n");
  if (X509* peer = SSL_get1_peer_certificate(ssl)) {
    std::fprintf(out, "* subject: %s\n", name_line(X509_get_subject_name(peer)).c_str());
    std::fprintf(out, "* issuer: %s\n", name_line(X509_get_issuer_name(peer)).c_str());
    X509_free(peer);
  }
  const long verified = SSL_get_verify_result(ssl);
  std::fprintf(out, "* certificate verify result: %s\n", X509_verify_cert_error_string(verified));
}

void print_events(std::FILE* out, const request_timings& timings, const std::string& final_url) {
  if (timings.error && timings.connects == 0 && timings.remote.port() != 0 && !timings.reused)
    std::fprintf(out, "* connect to %s port %u failed\n", address(timings.remote).c_str(),
                 static_cast<unsigned>(timings.remote.port()));
  if (timings.reused) std::fprintf(out, "* Re-using existing connection\n");
  if (timings.retries)
    std::fprintf(out, "* Retried %u time(s) on a new connection: a kept-alive one was closed\n",
                 timings.retries);
  if (timings.redirects)
    std::fprintf(out, "* Followed %u redirect(s) to %s\n", timings.redirects, final_url.c_str());
}

void print_request_head(std::FILE* out, const prepared_request& request) {
  std::error_code ec;
  const url target = parse_url(request.url, ec, url_options{.allow_userinfo = true});
  if (ec) return;
  request_head head{request.method, target.target, target.host, target.port, target.is_tls()};
  head.body = request.stream ? body_kind::streaming : request.has_data ? body_kind::sized : body_kind::none;
  head.content_length = request.data.size();
  std::string text;
  write_request(text, head, request.headers, ec);
  if (!ec) print_lines(out, ">", text);
}

void print_response_head(std::FILE* out, const streaming_response& response) {
  print_lines(out, "<", response_head_text(response));
}

std::string response_head_text(const streaming_response& response) {
  std::string text = "HTTP/" + std::to_string(response.version() / 10) + "." +
                     std::to_string(response.version() % 10) + " " + std::to_string(response.status()) +
                     " " + std::string(response.reason()) + "\r\n";
  for (const auto& [name, value] : response.fields()) {
    text.append(name).append(": ").append(value).append("\r\n");
  }
  return text + "\r\n";
}

}  // namespace httpc::tool
