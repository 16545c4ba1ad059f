#!/usr/bin/env python3
"""The load generator's contract (bench/README.md) on CPython's http.client.

    http_client.py HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]

One connection only (CPython runs one thread at a time, so more would measure
the interpreter's lock): CONNECTIONS other than 1 is refused with status 2.
An HTTPConnection (HTTPSConnection with a context trusting CAFILE) loops
request("GET", PATH), getresponse(), read(). A response is good when its
status is 200 and its body as long as the first good one's; after anything
else the connection is closed (the next request opens it again). Prints
`requests=N errors=E seconds=S`; exits 0 only when E is 0.
"""

import http.client
import ssl
import sys
import time

USAGE = "usage: http_client.py HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]"


def parse(argv):
    if len(argv) not in (6, 8) or (len(argv) == 8 and argv[6] != "--tls"):
        return None
    try:
        port, connections, total = int(argv[2]), int(argv[4]), int(argv[5])
    except ValueError:
        return None
    if not 0 <= port <= 65535 or connections != 1 or total < 0:
        return None
    return argv[1], port, argv[3], total, argv[7] if len(argv) == 8 else None


def main():
    settings = parse(sys.argv)
    if settings is None:
        print(USAGE + "  (CONNECTIONS must be 1)", file=sys.stderr)
        return 2
    host, port, path, total, ca_file = settings
    start = time.monotonic()
    if ca_file:
        context = ssl.create_default_context(cafile=ca_file)
        connection = http.client.HTTPSConnection(host, port, context=context)
    else:
        connection = http.client.HTTPConnection(host, port)
    good = errors = 0
    length = None
    for _ in range(total):
        ok = False
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status == 200:
                if length is None:
                    length = len(body)
                ok = len(body) == length
        except (http.client.HTTPException, OSError):
            pass
        if ok:
            good += 1
        else:
            errors += 1
            connection.close()
    seconds = time.monotonic() - start
    connection.close()
    print(f"requests={good} errors={errors} seconds={seconds:.3f}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
