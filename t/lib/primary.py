#!/usr/bin/env python3
"""A controllable stand-in for the primary site, on 127.0.0.1 by default.

    primary.py http   PORT PIDFILE [ADDR]  GET /health answers 200 "OK";
                                     anything else 404.
    primary.py silent PORT PIDFILE [ADDR]  accepts TCP connections and never
                                     answers: a check against it lasts until
                                     its timeout.  SIGTERM closes every held
                                     connection (the client then sees an
                                     empty reply at once) and exits.

ADDR is the IPv4 or IPv6 address to listen on (default 127.0.0.1);
t/lib/netns.sh gives it a test network's address inside a network
namespace.

The pid file is written once the socket listens, so a caller that sees it
(or the port in `ss`) can connect.  Stopped by SIGTERM (t/lib/primary.sh).
"""
import http.server
import os
import signal
import socket
import sys


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"OK\n"
            self.send_response(200)
        else:
            body = b"not found\n"
            self.send_response(404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def write_pid(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, path)


def stop(signum, frame):
    raise SystemExit(0)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


class Server(http.server.HTTPServer):
    pass


def serve_http(addr, port, pidfile):
    Server.address_family = family(addr)
    srv = Server((addr, port), Health)
    write_pid(pidfile)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


def serve_silent(addr, port, pidfile):
    ls = socket.socket(family(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    write_pid(pidfile)
    held = []
    try:
        while True:
            conn, _ = ls.accept()
            held.append(conn)
    finally:
        for c in held:
            c.close()
        ls.close()


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("http", "silent"):
        sys.stderr.write("usage: primary.py http|silent PORT PIDFILE [ADDR]\n")
        return 2
    signal.signal(signal.SIGTERM, stop)
    port = int(sys.argv[2])
    addr = sys.argv[4] if len(sys.argv) == 5 else "127.0.0.1"
    if sys.argv[1] == "http":
        serve_http(addr, port, sys.argv[3])
    else:
        serve_silent(addr, port, sys.argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
