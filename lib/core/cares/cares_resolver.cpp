// The default resolver: c-ares driven by Asio. One channel per resolver,
// on a strand: c-ares tells which sockets it wants read or written
// (ARES_OPT_SOCK_STATE_CB), Asio waits on them (stream_descriptor's
// async_wait) and on the channel's next timeout (a steady_timer), and
// ares_process_fd does the work. No thread blocks on a lookup, so a slow
// name holds up no other.
//
// c-ares 1.18 cannot cancel one query: one given up by its waiter is
// marked, its answer dropped, and once every query of the channel is given
// up ares_cancel ends them all, so a channel nobody waits on keeps no
// socket or timer going (io_context::run() returns).

#include "cares_resolver.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <asio/post.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include "../shared_answer.hpp"

namespace httpc::detail {
namespace {

// c-ares' status as the code Asio's resolver gives for getaddrinfo's
// equivalent, so that callers (the tool's exit codes, the retry rule) see
// one set of codes whichever resolver answered.
std::error_code to_error(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return {};
    case ARES_ENOTFOUND:  // NXDOMAIN: EAI_NONAME
    case ARES_ENODATA:    // the name, no address: EAI_NODATA
    case ARES_ENONAME:
    case ARES_EBADNAME:
      return asio::error::host_not_found;
    case ARES_ETIMEOUT:  // no server answered, or one failed: EAI_AGAIN
    case ARES_ECONNREFUSED:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
      return asio::error::host_not_found_try_again;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return asio::error::operation_aborted;
    case ARES_ENOMEM:
      return make_error_code(std::errc::not_enough_memory);
    default:  // a malformed or unimplemented answer, a bad hosts file: EAI_FAIL
      return asio::error::no_recovery;
  }
}

// getaddrinfo takes inet_aton's forms ("127.1", "0x7f.0.0.1") as numbers;
// c-ares 1.18 takes only the dotted quad. Nothing to look up either way.
std::optional<asio::ip::address_v4> legacy_ipv4(const std::string& host) {
  // inet_aton stops at a space: only its own characters are numbers.
  const bool numeric = std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' ||
           c == 'X' || c == '.';
  });
  in_addr address{};
  if (!numeric || inet_aton(host.c_str(), &address) == 0) return std::nullopt;
  return asio::ip::address_v4(ntohl(address.s_addr));
}

void init_library_once() {
  static const int status = ares_library_init(ARES_LIB_INIT_ALL);
  (void)status;  // a failure shows as ares_init_options' own
}

// One lookup: what it asked, and who waits.
struct query {
  std::string host;
  std::uint16_t port = 0;
  shared_answer answer;
  bool finished = false;
  bool abandoned = false;
};

class channel : public std::enable_shared_from_this<channel> {
 public:
  channel(const asio::any_io_executor& executor, const resolver_options& options)
      : strand_(asio::make_strand(executor)), timer_(strand_) {
    init_library_once();
    ares_options settings{};
    int mask = ARES_OPT_SOCK_STATE_CB;
    settings.sock_state_cb = &channel::on_socket;
    settings.sock_state_cb_data = this;
    if (options.timeout) {
      settings.timeout = static_cast<int>(options.timeout->count());
      mask |= ARES_OPT_TIMEOUTMS;
    }
    if (options.tries) {
      settings.tries = static_cast<int>(*options.tries);
      mask |= ARES_OPT_TRIES;
    }
    int status = ares_init_options(&channel_, &settings, mask);
    if (status != ARES_SUCCESS) {
      channel_ = nullptr;
      broken_ = to_error(status);
      return;
    }
    if (options.servers && ares_set_servers_ports_csv(channel_, options.servers->c_str()) != ARES_SUCCESS)
      broken_ = make_error_code(std::errc::invalid_argument);
  }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;
  // Ends what is left (callbacks with ARES_EDESTRUCTION, sockets closed
  // through on_socket) while the members are still there.
  ~channel() {
    if (channel_) ares_destroy(channel_);
  }

  const asio::any_io_executor& strand() const noexcept { return strand_; }

  // On the strand, as everything below.
  void start(const std::shared_ptr<query>& q) {
    if (broken_) {
      q->finished = true;
      q->answer.complete(resolution{broken_, {}, {}});
      return;
    }
    ++pending_;
    ++live_;
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;  // A and AAAA at once
    hints.ai_socktype = SOCK_STREAM;
    // The callback may run before ares_getaddrinfo returns (/etc/hosts).
    ares_getaddrinfo(channel_, q->host.c_str(), nullptr, &hints, &channel::on_answer,
                     new lookup{this, q});
    schedule_timeout();
  }

  void abandon(query& q) {
    if (q.finished || q.abandoned) return;
    q.abandoned = true;
    if (--live_ == 0 && pending_ != 0) ares_cancel(channel_);
    schedule_timeout();
  }

 private:
  // A socket of c-ares', watched while it wants reading or writing.
  struct watch {
    explicit watch(const asio::any_io_executor& executor) : descriptor(executor) {}
    watch(const watch&) = delete;
    watch& operator=(const watch&) = delete;
    ~watch() { descriptor.release(); }  // c-ares owns the socket and closes it
    asio::posix::stream_descriptor descriptor;
    ares_socket_t fd = ARES_SOCKET_BAD;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
    bool closed = false;
  };
  struct lookup {
    channel* self;
    std::shared_ptr<query> q;
  };

  static void on_socket(void* data, ares_socket_t fd, int readable, int writable) {
    auto& self = *static_cast<channel*>(data);
    const auto found = self.watches_.find(fd);
    if (!readable && !writable) {  // about to be closed: out of the reactor first
      if (found == self.watches_.end()) return;
      found->second->closed = true;
      found->second->descriptor.release();
      self.watches_.erase(found);
      return;
    }
    std::shared_ptr<watch> w;
    if (found != self.watches_.end()) {
      w = found->second;
    } else {
      w = std::make_shared<watch>(self.strand_);
      w->fd = fd;
      std::error_code ec;
      w->descriptor.assign(fd, ec);
      if (ec) return;  // not watched: the query ends at its timeout
      self.watches_.emplace(fd, w);
    }
    w->want_read = readable != 0;
    w->want_write = writable != 0;
    self.arm(w);
  }

  static void on_answer(void* data, int status, int, ares_addrinfo* result) {
    const std::unique_ptr<lookup> done(static_cast<lookup*>(data));
    channel& self = *done->self;
    query& q = *done->q;
    --self.pending_;
    if (!q.abandoned) --self.live_;
    q.finished = true;
    resolution out;
    out.error = to_error(status);
    if (result) {
      int ttl = -1;
      for (const ares_addrinfo_node* node = result->nodes; node; node = node->ai_next) {
        if (node->ai_family != AF_INET && node->ai_family != AF_INET6) continue;
        asio::ip::tcp::endpoint e;
        std::memcpy(e.data(), node->ai_addr, node->ai_addrlen);
        e.resize(node->ai_addrlen);
        e.port(q.port);
        out.endpoints.push_back(e);
        ttl = ttl < 0 ? node->ai_ttl : std::min(ttl, node->ai_ttl);
      }
      // A CNAME's record may expire before the addresses it led to.
      for (const ares_addrinfo_cname* alias = result->cnames; alias; alias = alias->next)
        ttl = ttl < 0 ? alias->ttl : std::min(ttl, alias->ttl);
      if (ttl >= 0) out.ttl = std::chrono::seconds(ttl);
      ares_freeaddrinfo(result);
    }
    if (!out.error && out.endpoints.empty()) out.error = asio::error::host_not_found;
    if (out.error) out.ttl.reset();
    q.answer.complete(std::move(out));
  }

  void arm(const std::shared_ptr<watch>& w) {
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                               [self = shared_from_this(), w](std::error_code ec) {
                                 w->reading = false;
                                 if (w->closed || ec == asio::error::operation_aborted) return;
                                 self->process(w->fd, ARES_SOCKET_BAD);
                                 if (!w->closed) self->arm(w);
                               });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                               [self = shared_from_this(), w](std::error_code ec) {
                                 w->writing = false;
                                 if (w->closed || ec == asio::error::operation_aborted) return;
                                 self->process(ARES_SOCKET_BAD, w->fd);
                                 if (!w->closed) self->arm(w);
                               });
    }
  }

  void process(ares_socket_t readable, ares_socket_t writable) {
    ares_process_fd(channel_, readable, writable);
    schedule_timeout();
  }

  // The timer follows c-ares' next timeout; none while no query is pending.
  void schedule_timeout() {
    timeval limit{};
    if (pending_ == 0 || !ares_timeout(channel_, nullptr, &limit)) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(std::chrono::seconds(limit.tv_sec) + std::chrono::microseconds(limit.tv_usec));
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    });
  }

  asio::any_io_executor strand_;
  asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  std::error_code broken_;  // the channel could not be made as asked: every lookup fails so
  std::map<ares_socket_t, std::shared_ptr<watch>> watches_;
  std::size_t pending_ = 0;  // queries in c-ares
  std::size_t live_ = 0;     // of those, the ones somebody waits for
};

class cares_resolver final : public resolver {
 public:
  cares_resolver(const asio::any_io_executor& executor, const resolver_options& options)
      : channel_(std::make_shared<channel>(executor, options)) {}

  asio::awaitable<resolution> resolve(std::string host, std::uint16_t port) override {
    if (const auto literal = legacy_ipv4(host))
      co_return resolution{{}, {asio::ip::tcp::endpoint(*literal, port)}, std::nullopt};
    auto q = std::make_shared<query>();
    q->host = std::move(host);
    q->port = port;
    asio::post(channel_->strand(), [c = channel_, q] { c->start(q); });
    resolution found = co_await q->answer.wait(std::nullopt);
    if (!q->answer.done()) asio::post(channel_->strand(), [c = channel_, q] { c->abandon(*q); });
    co_return found;
  }

 private:
  std::shared_ptr<channel> channel_;
};

}  // namespace

std::shared_ptr<resolver> make_cares_resolver(const asio::any_io_executor& executor,
                                              const resolver_options& options) {
  return std::make_shared<cares_resolver>(executor, options);
}

}  // namespace httpc::detail
