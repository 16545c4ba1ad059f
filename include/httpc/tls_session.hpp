#pragma once
/// \file
/// An owning handle for an OpenSSL session: what a TLS connection hands out
/// once it has one that can be resumed, and takes to offer on its next
/// connect (httpc/connection.hpp).

#include <openssl/ssl.h>  // SSL_SESSION and its reference count

#include <utility>  // std::exchange, std::swap

namespace httpc {

/// A reference to an `SSL_SESSION`: a copy takes another reference, the
/// destructor drops one. Empty when default-constructed.
class tls_session {
 public:
  tls_session() noexcept = default;
  /// Adopts `session` (null: empty): the handle drops the reference the
  /// caller held.
  explicit tls_session(SSL_SESSION* session) noexcept : session_(session) {}
  tls_session(const tls_session& other) noexcept : session_(other.session_) {
    if (session_ != nullptr) SSL_SESSION_up_ref(session_);
  }
  tls_session(tls_session&& other) noexcept : session_(std::exchange(other.session_, nullptr)) {}
  tls_session& operator=(tls_session other) noexcept {
    std::swap(session_, other.session_);
    return *this;
  }
  ~tls_session() { SSL_SESSION_free(session_); }

  explicit operator bool() const noexcept { return session_ != nullptr; }
  SSL_SESSION* native_handle() const noexcept { return session_; }

 private:
  SSL_SESSION* session_ = nullptr;
};

}  // namespace httpc
