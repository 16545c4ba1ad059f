#!/usr/bin/env python3
"""CPython's side of test/client/client_diff_test.cpp.

Runs every case of a corpus (test/data/client_diff) through http.client
against a loopback server that reads the request, sends the case's bytes
and closes (or, for a run of several cases, a1+a2, reads the next request
on the connection), and prints one line per run:

    <case> <method> <read> <mode> TAB <transcript>

The transcript format is defined here and rebuilt byte for byte by the C++
test; see transcript() below. Usage: client_transcript.py CORPUS_DIR
"""

import http.client
import os
import re
import socket
import sys
import threading
import time

POST_BODY = b"spam=1&eggs=2"
TIMEOUT = 5.0  # bounds every socket wait; a run normally takes milliseconds
# Mode split: each response goes out in pieces of SPLIT_SIZE bytes,
# SPLIT_GAP seconds apart, so that the client meets every partial state.
SPLIT_SIZE = 7
SPLIT_GAP = 0.001


def esc(data):
    """Bytes as a quoted string: printable ASCII as is, the rest as \\xNN."""
    out = []
    for c in data:
        if 0x20 <= c < 0x7F and c not in (0x22, 0x5C):
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return '"' + "".join(out) + '"'


def text(value):
    # http.client decodes heads as ISO-8859-1: encoding back gives the bytes.
    return esc(value.encode("iso-8859-1"))


def runs(corpus):
    """Every case with GET and read(), then the extra runs of runs.txt."""
    cases = sorted(f[:-5] for f in os.listdir(corpus) if f.endswith(".http"))
    out = [(case, "GET", "all", "lenient") for case in cases]
    with open(os.path.join(corpus, "runs.txt"), encoding="ascii") as manifest:
        for line in manifest:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            mode = words[3] if len(words) == 4 else "lenient"
            if (len(words) not in (3, 4) or any(c not in cases for c in words[0].split("+"))
                    or words[1] not in ("GET", "HEAD", "POST")
                    or not re.fullmatch(r"all|amt[1-9][0-9]*|into[1-9][0-9]*", words[2])
                    or mode not in ("lenient", "strict", "split")):
                sys.exit("runs.txt: bad line: " + line.rstrip())
            out.append((words[0], words[1], words[2], mode))
    return out


def read_request(conn):
    """Reads one request, head and Content-Length body: its bytes, or None
    at a close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def send(conn, response, split):
    if not split:
        conn.sendall(response)
        return
    for at in range(0, len(response), SPLIT_SIZE):
        if at:
            time.sleep(SPLIT_GAP)
        conn.sendall(response[at : at + SPLIT_SIZE])


def converse(conn, responses, split, requests):
    """One connection: a request, a response, for each response in turn;
    then a close. Appends the requests to `requests`."""
    with conn:
        conn.settimeout(TIMEOUT)
        try:
            for response in responses:
                request = read_request(conn)
                if request is None:
                    return
                requests.append(request)
                send(conn, response, split)
            # FIN, then drain until the client closes: closing with unread
            # input would send a RST that can destroy the response in flight.
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        except OSError:
            pass  # the client gave up first (LineTooLong, a reset): its side tells


def serve(listener, responses, split, accepted, requests, stop):
    """Connection k answers responses k, k+1, ...: a client that reconnects
    gets the next response it has not received."""
    threads = []
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            break
        if stop.is_set():  # the connection that wakes us up to stop
            conn.close()
            break
        threads.append(threading.Thread(target=converse, daemon=True,
                                        args=(conn, responses[len(accepted):], split, requests)))
        accepted.append(conn)
        threads[-1].start()
    for thread in threads:
        thread.join(TIMEOUT)


def read_body(response, read, pieces):
    """Reads the body as `read` says, appending each piece to pieces."""
    if read == "all":
        pieces.append(response.read())
        return
    size = int(read[3:] if read.startswith("amt") else read[4:])
    while len(pieces) < 100000:
        if read.startswith("amt"):
            piece = response.read(size)
        else:
            buffer = bytearray(size)
            piece = bytes(buffer[: response.readinto(buffer)])
        pieces.append(piece)
        if not piece:
            return


def body_words(pieces):
    return ["body=" + esc(b"".join(pieces)), "pieces=" + ",".join(str(len(p)) for p in pieces)]


def describe(error, stage):
    words = ["error=%s@%s" % (type(error).__name__, stage)]
    if isinstance(error, http.client.IncompleteRead):
        words.append("partial=" + esc(error.partial))
        words.append("expected=" + ("-" if error.expected is None else str(error.expected)))
    elif isinstance(error, http.client.BadStatusLine) and not isinstance(
        error, http.client.RemoteDisconnected
    ):
        words.append("line=" + text(error.line))
    return words


def exchange(client, method, read):
    """One request and its response: the words of its transcript (see
    transcript()) and whether it failed."""
    client.request(method, "/", body=POST_BODY if method == "POST" else None)
    try:
        response = client.getresponse()
    except Exception as error:  # noqa: BLE001 -- the class is the result
        return describe(error, "getresponse"), True
    try:
        words = ["status=%d" % response.status, "reason=" + text(response.reason),
                 "version=%d" % response.version, "closed=%d" % response.isclosed()]
        seen = []
        for name, value in response.msg.items():
            words.append("header=%s:%s" % (text(name), text(value)))
            if name.lower() not in (s.lower() for s in seen):
                seen.append(name)
        for name in seen:
            words.append("getheader=%s:%s" % (text(name), text(response.getheader(name))))
        pieces = []
        try:
            read_body(response, read, pieces)
        except Exception as error:  # noqa: BLE001
            return words + body_words(pieces) + describe(error, "read"), True
        return words + body_words(pieces) + ["closed=%d" % response.isclosed()], False
    finally:
        # Its file object would hold the socket open past client.close().
        response.close()


def transcript(responses, method, read, split):
    """One run: a request for each response, on one HTTPConnection, until
    one fails. Words, space-separated, for each response:
    status= reason= version= closed=0|1 (isclosed() before any read)
    header=NAME:VALUE (each field, in order)
    getheader=NAME:VALUE (each distinct name, as first spelt: the joined
    value) body= (the pieces joined) pieces=N,N,... (their sizes)
    closed=0|1 (isclosed() after the last read). An exception ends the
    transcript (in place of closed=) with error=CLASS@getresponse|read and,
    for IncompleteRead, partial= expected= (- for none), for BadStatusLine,
    line=. Then request= for each request the server read (the port as
    PORT), and connections=N, the connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)
    accepted, requests, stop = [], [], threading.Event()
    server = threading.Thread(target=serve,
                              args=(listener, responses, split, accepted, requests, stop))
    server.start()
    port = listener.getsockname()[1]
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    words = []
    try:
        for _ in responses:
            more, failed = exchange(client, method, read)
            words += more
            if failed:
                break
    finally:
        client.close()
        stop.set()
        socket.create_connection(listener.getsockname(), TIMEOUT).close()
        server.join()
        listener.close()
    host = b"127.0.0.1:%d" % port
    words += ["request=" + esc(r.replace(host, b"127.0.0.1:PORT")) for r in requests]
    return words + ["connections=%d" % len(accepted)]


def main():
    corpus = sys.argv[1]
    for case, method, read, mode in runs(corpus):
        responses = []
        for name in case.split("+"):
            with open(os.path.join(corpus, name + ".http"), "rb") as f:
                responses.append(f.read())
        words = transcript(responses, method, read, mode == "split")
        print("%s %s %s %s\t%s" % (case, method, read, mode, " ".join(words)), flush=True)


if __name__ == "__main__":
    main()
