// The reference's POST example (httplib docs, "Examples"), in C++:
//
//   >>> params = urllib.urlencode({'spam': 1, 'eggs': 2, 'bacon': 0})
//   >>> headers = {"Content-type": "application/x-www-form-urlencoded",
//   ...            "Accept": "text/plain"}
//   >>> conn = httplib.HTTPConnection("127.0.0.1:8080")
//   >>> conn.request("POST", "/cgi-bin/query", params, headers)
//   >>> response = conn.getresponse()
//   >>> print response.status, response.reason
//   200 OK
//   >>> data = response.read()
//   >>> conn.close()
//
// Usage: httpc-reference-post HOST:PORT   (scripts/demo runs it against nginx)
#include <httpc/client.hpp>

#include <fmt/core.h>

#include <exception>

int main(int argc, char** argv) try {
  if (argc != 2) {
    fmt::print(stderr, "usage: {} HOST:PORT\n", argv[0]);
    return 2;
  }
  const std::string params = "spam=1&eggs=2&bacon=0";
  const httpc::Headers headers = {{"Content-type", "application/x-www-form-urlencoded"},
                                  {"Accept", "text/plain"}};
  httpc::HTTPConnection conn(argv[1]);
  conn.request("POST", "/cgi-bin/query", params, headers);
  auto response = conn.getresponse();
  fmt::print("{} {}\n", response.status(), response.reason());
  const std::string data = response.read();
  conn.close();
  fmt::print("{}\n", data);
} catch (const std::exception& e) {
  fmt::print(stderr, "error: {}\n", e.what());
  return 1;
}
