#!/usr/bin/env python3
"""A webhook receiver for t/87-notify.t, on 127.0.0.1.

    webhook.py PORT DIR [CERT KEY]

Every POST is recorded as one JSON line in DIR/requests.jsonl:
{"path": ..., "status": the status answered, "content_type": ...,
"body": the JSON body (or its text if it is not JSON)}.  What to answer
is read from DIR/mode at each request: "200" (default), "500", or "hang"
(answer 200 after 8 s, long after the agent's 5 s deadline: the agent has
gone by then).  With CERT and KEY it speaks TLS with that certificate.
DIR/webhook.pid is written once the socket listens.  SIGTERM stops it.
"""
import http.server
import json
import os
import signal
import ssl
import sys
import threading
import time

PORT = int(sys.argv[1])
DIR = sys.argv[2]
LOCK = threading.Lock()


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as f:
            return f.read().strip() or "200"
    except FileNotFoundError:
        return "200"


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        m = mode()
        status = 500 if m == "500" else 200
        with LOCK:
            with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
                f.write(json.dumps({"path": self.path, "status": status,
                                    "mode": m,
                                    "content_type":
                                        self.headers.get("Content-Type"),
                                    "body": body}) + "\n")
        if m == "hang":
            time.sleep(8)
        out = b"oops\n" if status == 500 else b"ok\n"
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Hook)
    srv.daemon_threads = True
    if len(sys.argv) > 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    with open(os.path.join(DIR, "webhook.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


main()
