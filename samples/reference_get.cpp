// The reference's GET example (httplib docs, "Examples"), in C++:
//
//   >>> conn = httplib.HTTPConnection("127.0.0.1:8080")
//   >>> conn.request("GET", "/index.html")
//   >>> r1 = conn.getresponse()
//   >>> print r1.status, r1.reason
//   200 OK
//   >>> data1 = r1.read()
//   >>> conn.request("GET", "/parrot.spam")
//   >>> r2 = conn.getresponse()
//   >>> print r2.status, r2.reason
//   404 Not Found
//   >>> data2 = r2.read()
//   >>> conn.close()
//
// Usage: httpc-reference-get HOST:PORT   (scripts/demo runs it against nginx)
#include <httpc/client.hpp>

#include <fmt/core.h>

#include <exception>

int main(int argc, char** argv) try {
  if (argc != 2) {
    fmt::print(stderr, "usage: {} HOST:PORT\n", argv[0]);
    return 2;
  }
  httpc::HTTPConnection conn(argv[1]);
  conn.request("GET", "/index.html");
  auto r1 = conn.getresponse();
  fmt::print("{} {}\n", r1.status(), r1.reason());
  const std::string data1 = r1.read();
  conn.request("GET", "/parrot.spam");  // the same connection, kept alive
  auto r2 = conn.getresponse();
  fmt::print("{} {}\n", r2.status(), r2.reason());
  const std::string data2 = r2.read();
  conn.close();
  fmt::print("read {} and {} bytes\n", data1.size(), data2.size());
} catch (const std::exception& e) {
  fmt::print(stderr, "error: {}\n", e.what());
  return 1;
}
