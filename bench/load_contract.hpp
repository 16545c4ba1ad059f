// The command line that every load generator of bench/ shares (see
// bench/README.md): HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE].
// Header-only and free of httpc, so that the peers stay independent of it.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace bench {

struct load_settings {
  std::string host;
  std::uint16_t port = 0;
  std::string path;
  std::size_t connections = 0;
  std::uint64_t total = 0;
  std::optional<std::string> ca_file;  // set: HTTPS, verified against it
};

template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

/// The settings, or nullopt after printing the usage line for `program`.
inline std::optional<load_settings> parse_load_arguments(const char* program, int argc, char** argv) {
  load_settings config;
  const bool shape = argc == 6 || (argc == 8 && std::string_view(argv[6]) == "--tls");
  if (shape) {
    config.host = argv[1];
    config.path = argv[3];
    if (argc == 8) config.ca_file = argv[7];
  }
  if (!shape || !parse_number(argv[2], config.port) || !parse_number(argv[4], config.connections) ||
      !parse_number(argv[5], config.total) || config.connections == 0) {
    std::fprintf(stderr, "usage: %s HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]\n",
                 program);
    return std::nullopt;
  }
  return config;
}

}  // namespace bench
