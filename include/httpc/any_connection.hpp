#pragma once
/// \file
/// One handle for a plain or TLS core connection, chosen at construction:
/// what the layers above the core hold, so that they choose only once.
///
///     httpc::any_connection c(executor, url.is_tls() ? &tls_context : nullptr);
///     co_await c.async_connect(url.host, url.port);
///     co_await c.async_request("GET", url.target);
///     httpc::any_response r = co_await c.async_getresponse();
///     std::string body = co_await r.async_read_all();
///
/// Each operation forwards to the core's: same arguments, same completion
/// tokens, same results, and the core's own awaitable (no coroutine frame
/// of the handle's). `async_getresponse` completes with an any_response.

#include <asio/any_io_executor.hpp>  // the executor type
#include <asio/buffer.hpp>           // body reads
#include <asio/ssl/context.hpp>      // the TLS context
#include <asio/use_awaitable.hpp>    // the default completion token
#include <cstddef>                   // std::size_t
#include <cstdint>                   // std::uint16_t
#include <memory>                    // the connection held apart
#include <optional>                  // lookups
#include <string>                    // the tunnel's refusal
#include <string_view>               // views into the receive buffer
#include <system_error>              // std::error_code
#include <utility>                   // std::forward
#include <variant>                   // plain or TLS

#include "httpc/connection.hpp"
#include "httpc/tls_session.hpp"

namespace httpc {

namespace detail {
// f(the alternative `v` holds): a branch, not std::visit's table.
template <class Variant, class F>
decltype(auto) visit_link(Variant& v, F&& f) {
  if (auto* tls = std::get_if<1>(&v)) return f(*tls);
  return f(*std::get_if<0>(&v));
}
}  // namespace detail

/// A response of an any_connection: a `response` or a `tls_response`, with
/// their members. Empty when default-constructed: only assignment and
/// destruction are valid then.
class any_response {
  // Defined first: the members below deduce their types from it.
  template <class F>
  decltype(auto) visit(F&& f) {
    return detail::visit_link(response_, std::forward<F>(f));
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return detail::visit_link(response_, std::forward<F>(f));
  }

 public:
  any_response() = default;
  any_response(response r) noexcept : response_(std::move(r)) {}
  any_response(tls_response r) noexcept : response_(std::move(r)) {}

  int status() const noexcept { return visit([](auto& r) { return r.status(); }); }
  std::string_view reason() const noexcept { return visit([](auto& r) { return r.reason(); }); }
  int version() const noexcept { return visit([](auto& r) { return r.version(); }); }
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return visit([name](auto& r) { return r.header(name); });
  }
  field_view fields() const noexcept { return visit([](auto& r) { return r.fields(); }); }
  response_head owned_head() const { return visit([](auto& r) { return r.owned_head(); }); }
  field_view trailers() const noexcept { return visit([](auto& r) { return r.trailers(); }); }
  body_framing framing() const noexcept { return visit([](auto& r) { return r.framing(); }); }
  std::optional<std::uint64_t> content_length() const noexcept {
    return visit([](auto& r) { return r.content_length(); });
  }
  bool keep_alive() const noexcept { return visit([](auto& r) { return r.keep_alive(); }); }
  bool done() const noexcept { return visit([](auto& r) { return r.done(); }); }
  std::string_view head() const noexcept { return visit([](auto& r) { return r.head(); }); }

  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_read_some(asio::mutable_buffer buffer, CompletionToken&& token = {}) {
    return visit([&](auto& r) { return r.async_read_some(buffer, std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_next(CompletionToken&& token = {}) {
    return visit([&](auto& r) { return r.async_next(std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
    requires detail::token_for<CompletionToken, void(std::error_code, std::string)>
  auto async_read_all(CompletionToken&& token = {}) {
    return visit([&](auto& r) { return r.async_read_all(std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_read_all(std::size_t limit, CompletionToken&& token = {}) {
    return visit([&](auto& r) { return r.async_read_all(limit, std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_discard(CompletionToken&& token = {}) {
    return visit([&](auto& r) { return r.async_discard(std::forward<CompletionToken>(token)); });
  }

 private:
  std::variant<response, tls_response> response_;
};

/// A `connection` or a `tls_connection`, with their members but the
/// stream's. Not movable: responses refer to it.
class any_connection {
  // First, as in any_response.
  template <class F>
  decltype(auto) visit(F&& f) {
    return detail::visit_link(link_, [&](auto& c) -> decltype(auto) { return f(*c); });
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return detail::visit_link(link_, [&](auto& c) -> decltype(auto) { return f(std::as_const(*c)); });
  }

 public:
  using executor_type = asio::any_io_executor;

  /// A TLS connection with `tls_context` (which must outlive it), else a
  /// plain one.
  any_connection(const executor_type& executor, asio::ssl::context* tls_context,
                 connection_options options = {});
  any_connection(const any_connection&) = delete;
  any_connection& operator=(const any_connection&) = delete;

  bool is_tls() const noexcept { return link_.index() == 1; }
  executor_type get_executor() const noexcept { return visit([](auto& c) { return c.get_executor(); }); }
  const connection_options& options() const noexcept {
    return visit([](auto& c) -> const connection_options& { return c.options(); });
  }
  connection_options& options() noexcept {
    return visit([](auto& c) -> connection_options& { return c.options(); });
  }
  bool is_open() const noexcept { return visit([](auto& c) { return c.is_open(); }); }
  bool is_idle() const noexcept { return visit([](auto& c) { return c.is_idle(); }); }
  bool is_reusable() noexcept { return visit([](auto& c) { return c.is_reusable(); }); }
  bool wrote_request() const noexcept { return visit([](auto& c) { return c.wrote_request(); }); }
  void close() noexcept { visit([](auto& c) { c.close(); }); }
  std::string_view received() const noexcept { return visit([](auto& c) { return c.received(); }); }
  /// Over TLS, the connection's SSL object (valid after async_connect);
  /// null over plain TCP.
  SSL* tls_handle() noexcept {
    return visit([](auto& c) -> SSL* {
      if constexpr (std::decay_t<decltype(c)>::is_tls)
        return c.stream().native_handle();
      else
        return nullptr;
    });
  }
  /// TLS: as the core's; a plain connection ignores the session.
  void set_tls_session(httpc::tls_session session) noexcept {
    visit([&](auto& c) {
      if constexpr (std::decay_t<decltype(c)>::is_tls) c.set_tls_session(std::move(session));
    });
  }
  /// TLS: as the core's; empty over plain TCP.
  httpc::tls_session tls_session() const noexcept {
    return visit([](auto& c) -> httpc::tls_session {
      if constexpr (std::decay_t<decltype(c)>::is_tls)
        return c.tls_session();
      else
        return {};
    });
  }
  /// TLS: as the core's; false over plain TCP.
  bool tls_session_reused() const noexcept {
    return visit([](auto& c) {
      if constexpr (std::decay_t<decltype(c)>::is_tls)
        return c.tls_session_reused();
      else
        return false;
    });
  }
  const std::string& tunnel_refusal() const noexcept {
    return visit([](auto& c) -> const std::string& { return c.tunnel_refusal(); });
  }

  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect(std::string_view host, std::uint16_t port, CompletionToken&& token = {}) {
    return visit([&](auto& c) { return c.async_connect(host, port, std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect_tunnel(std::string_view proxy_host, std::uint16_t proxy_port, std::string_view host,
                            std::uint16_t port, const Headers& proxy_headers = {},
                            CompletionToken&& token = {}) {
    return visit([&](auto& c) {
      return c.async_connect_tunnel(proxy_host, proxy_port, host, port, proxy_headers,
                                    std::forward<CompletionToken>(token));
    });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect_socks5(std::string_view proxy_host, std::uint16_t proxy_port, std::string_view host,
                            std::uint16_t port, const socks5_options& options = {},
                            CompletionToken&& token = {}) {
    return visit([&](auto& c) {
      return c.async_connect_socks5(proxy_host, proxy_port, host, port, options,
                                    std::forward<CompletionToken>(token));
    });
  }
  std::uint8_t socks_reply() const noexcept { return visit([](auto& c) { return c.socks_reply(); }); }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_connect_unix(std::string_view path, std::string_view host, std::uint16_t port,
                          CompletionToken&& token = {}) {
    return visit([&](auto& c) { return c.async_connect_unix(path, host, port, std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
    requires detail::token_for<CompletionToken, void(std::error_code)>
  auto async_request(std::string_view method, std::string_view target, CompletionToken&& token = {}) {
    return visit([&](auto& c) { return c.async_request(method, target, std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_request(std::string_view method, std::string_view target, request_body body,
                     const Headers& headers = {}, CompletionToken&& token = {}) {
    return visit([&](auto& c) {
      return c.async_request(method, target, std::move(body), headers, std::forward<CompletionToken>(token));
    });
  }
  /// Completes with an any_response (`void(std::error_code, any_response)`).
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_getresponse(CompletionToken&& token = {}) {
    return visit([&](auto& c) {
      return detail::complete_op(c.executor_, std::forward<CompletionToken>(token), [&c]<class Policy>() {
        return c.template getresponse_op<Policy, any_response>();
      });
    });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_send_head(std::string_view method, std::string_view head, CompletionToken&& token = {}) {
    return visit([&](auto& c) { return c.async_send_head(method, head, std::forward<CompletionToken>(token)); });
  }
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_send(std::string_view bytes, CompletionToken&& token = {}) {
    return visit([&](auto& c) { return c.async_send(bytes, std::forward<CompletionToken>(token)); });
  }

 private:
  // Held apart: a plain connection is 0.4 KiB smaller than a TLS one, and
  // a pool keeps many.
  using link_type = std::variant<std::unique_ptr<connection>, std::unique_ptr<tls_connection>>;
  static link_type make_link(const executor_type& executor, asio::ssl::context* tls_context,
                             connection_options options);

  link_type link_;
};

}  // namespace httpc
