// A scripted DNS server for resolver tests, on 127.0.0.1 over UDP: it
// answers A and AAAA questions from a table, each name with its TTL and a
// delay (or never), and NXDOMAIN for names it does not know; it counts the
// questions per name. Test-only and header-only; it needs Asio.
//
//   httpc::test::dns_server dns;
//   dns.set("fast.test", {{asio::ip::make_address("127.0.0.1")}, 30});
//   httpc::resolver_options o;
//   o.servers = dns.address();             // "127.0.0.1:<port>"
//   ... resolve "fast.test" ...
//   CHECK(dns.questions("fast.test") == 2);  // c-ares asks A and AAAA
//
// The server runs on its own thread and io_context; a delayed answer waits
// on a timer, so it holds up no other.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace httpc::test {

/// What the server answers for one name.
struct dns_entry {
  std::vector<asio::ip::address> addresses;  ///< A for the v4 ones, AAAA for the v6 ones
  std::uint32_t ttl = 60;                    ///< of every record
  std::chrono::milliseconds delay{0};        ///< before each answer
  bool silent = false;                       ///< never answers
};

class dns_server {
 public:
  /// On `port` of 127.0.0.1; 0: one the system chooses.
  explicit dns_server(std::uint16_t port = 0)
      : socket_(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port)),
        port_(socket_.local_endpoint().port()) {
    receive();
    thread_ = std::thread([this] { io_.run(); });
  }
  dns_server(const dns_server&) = delete;
  dns_server& operator=(const dns_server&) = delete;
  ~dns_server() {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  /// For resolver_options::servers.
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

  /// Sets (or replaces) the answer for `name` (any case).
  void set(std::string name, dns_entry entry) {
    const std::lock_guard lock(mutex_);
    table_[lower(name)] = std::move(entry);
  }
  /// Questions received for `name`, of any type.
  std::size_t questions(std::string_view name) const {
    const std::lock_guard lock(mutex_);
    const auto found = asked_.find(lower(std::string(name)));
    return found == asked_.end() ? 0 : found->second;
  }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), from_, [this](std::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) answer(std::string(buffer_.data(), n), from_);
      receive();
    });
  }

  // RFC 1035 §4.1: a 12-byte header, one question (labels, type, class);
  // the answer repeats them and adds a record per address of the type asked.
  void answer(std::string query, asio::ip::udp::endpoint to) {
    if (query.size() < 12 || query[4] != 0 || query[5] != 1) return;
    std::size_t at = 12;
    std::string name;
    while (at < query.size() && query[at] != 0) {
      const std::size_t length = static_cast<unsigned char>(query[at]);
      if (length > 63 || at + 1 + length >= query.size()) return;
      if (!name.empty()) name += '.';
      name.append(query, at + 1, length);
      at += 1 + length;
    }
    if (at + 5 > query.size()) return;
    const std::size_t question_end = at + 5;
    const unsigned type = (static_cast<unsigned char>(query[at + 1]) << 8) | static_cast<unsigned char>(query[at + 2]);
    name = lower(name);
    std::optional<dns_entry> entry;
    {
      const std::lock_guard lock(mutex_);
      ++asked_[name];
      if (const auto found = table_.find(name); found != table_.end()) entry = found->second;
    }
    if (entry && entry->silent) return;

    std::string reply = query.substr(0, question_end);
    reply[2] = static_cast<char>(0x84 | (query[2] & 0x01));  // a response, authoritative, RD as asked
    reply[3] = static_cast<char>(entry ? 0x80 : 0x83);       // RA; NOERROR or NXDOMAIN
    reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
    std::size_t count = 0;
    for (const auto& address : entry ? entry->addresses : std::vector<asio::ip::address>{}) {
      const bool wanted = (type == 1 && address.is_v4()) || (type == 28 && address.is_v6());
      if (!wanted) continue;
      ++count;
      reply += std::string("\xc0\x0c", 2);  // the question's name
      reply += static_cast<char>(0);
      reply += static_cast<char>(type);
      reply += std::string("\x00\x01", 2);  // class IN
      for (int shift = 24; shift >= 0; shift -= 8) reply += static_cast<char>((entry->ttl >> shift) & 0xff);
      if (address.is_v4()) {
        const auto bytes = address.to_v4().to_bytes();
        reply += std::string("\x00\x04", 2);
        reply.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      } else {
        const auto bytes = address.to_v6().to_bytes();
        reply += std::string("\x00\x10", 2);
        reply.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      }
    }
    reply[7] = static_cast<char>(count);
    const auto delay = entry ? entry->delay : std::chrono::milliseconds(0);
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    auto bytes = std::make_shared<std::string>(std::move(reply));
    timer->async_wait([this, timer, bytes, to](std::error_code ec) {
      if (ec) return;
      socket_.async_send_to(asio::buffer(*bytes), to, [bytes](std::error_code, std::size_t) {});
    });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::ip::udp::socket socket_;
  std::uint16_t port_;
  std::array<char, 1500> buffer_{};
  asio::ip::udp::endpoint from_;
  mutable std::mutex mutex_;
  std::map<std::string, dns_entry> table_;
  std::map<std::string, std::size_t> asked_;
  std::thread thread_;
};

}  // namespace httpc::test
