"""apidouble.py: what the provider API doubles share (cloudflare_double.py,
ovh_double.py, desec_double.py): a threaded HTTPS server on 127.0.0.1 with
a certificate made by the test, the real BIND zone behind it (read with dig,
changed with nsupdate and the test's TSIG key, so that the agent's
confirmation through DNS is real), the fault knobs every test uses, and the
call log.

A double's STATEDIR holds:
  dns          "PORT KEYFILE": the named to read and change
  ratelimit    (optional) "N SECONDS": the next N requests that pass
               authentication are answered 429 with Retry-After: SECONDS
               (the file counts down; gone at 0)
  delay        (optional) "SECONDS": every request waits that long before
               it is answered (a test reads the agent's argv meanwhile);
               the file "seen" is created when one arrives
  lose_answer  (optional) "METHOD [COUNT]" per line: such a request is
               carried out, then the connection is closed with no answer
               (an answer lost on the way back)
  swallow      (optional) "METHOD [COUNT]" per line: such a request is
               read, not carried out, and not answered
  calls.log    written: one JSON line per request that passed
               authentication: method, path, query, body (never a header)
  double.pid   written: our PID once listening
"""

import json
import os
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Double:
    def __init__(self, state):
        self.state = state

    def path(self, name):
        return os.path.join(self.state, name)

    def exists(self, name):
        return os.path.exists(self.path(name))

    def first_line(self, name):
        with open(self.path(name)) as f:
            return f.readline().rstrip("\r\n")

    def lines(self, name):
        if not self.exists(name):
            return []
        with open(self.path(name)) as f:
            return [l.strip() for l in f if l.strip()]

    # ---- faults ----

    def take_ratelimit(self):
        """The Retry-After to answer now, or None (counts the file down)."""
        with LOCK:
            if not self.exists("ratelimit"):
                return None
            n, secs = self.first_line("ratelimit").split()[:2]
            n = int(n)
            if n <= 1:
                os.unlink(self.path("ratelimit"))
            else:
                with open(self.path("ratelimit"), "w") as f:
                    f.write("%d %s\n" % (n - 1, secs))
            return secs

    def take_fault(self, name, key):
        """A fault file "KEY [COUNT]" (one per line): True when key matches
        one, counting it down (no COUNT: every time)."""
        with LOCK:
            lines = self.lines(name)
            hit, out = False, []
            for l in lines:
                p = l.split()
                if not hit and p[0].lower() == key.lower():
                    hit = True
                    if len(p) > 1:
                        if int(p[1]) > 1:
                            out.append("%s %d" % (p[0], int(p[1]) - 1))
                        continue
                out.append(l)
            if hit:
                if out:
                    with open(self.path(name), "w") as f:
                        f.write("\n".join(out) + "\n")
                else:
                    os.unlink(self.path(name))
            return hit

    def delay(self):
        if self.exists("delay"):
            open(self.path("seen"), "w").close()
            time.sleep(float(self.first_line("delay")))

    def log_call(self, method, path, query, body):
        with LOCK:
            with open(self.path("calls.log"), "a") as f:
                f.write(json.dumps({"method": method, "path": path,
                                    "query": query, "body": body}) + "\n")

    # ---- the real zone ----

    def dns(self):
        port, keyfile = self.first_line("dns").split()[:2]
        return port, keyfile

    def dig(self, name, rtype):
        """[(ttl, value)] of name/type, sorted by value."""
        port, _ = self.dns()
        out = subprocess.run(["dig", "+noall", "+answer", "+norec",
                              "+time=2", "+tries=1", "-p", port,
                              "@127.0.0.1", name, rtype],
                             capture_output=True, text=True).stdout
        rrs = []
        for l in out.splitlines():
            p = l.split()
            if len(p) >= 5 and p[3] == rtype:
                rrs.append((int(p[1]), p[4]))
        return sorted(rrs, key=lambda r: r[1])

    def nsupdate(self, zone, lines):
        """One UPDATE (atomic at the server).  (rc, text)."""
        port, keyfile = self.dns()
        script = "server 127.0.0.1 %s\nzone %s\n%s\nsend\n" % (
            port, zone, "\n".join(lines))
        r = subprocess.run(["nsupdate", "-k", keyfile], input=script,
                           capture_output=True, text=True)
        return r.returncode, (r.stdout + r.stderr).strip()


class Handler(BaseHTTPRequestHandler):
    """Answers with JSON; subclasses implement route(method)."""
    protocol_version = "HTTP/1.1"
    double = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj, headers=(), raw=None):
        if getattr(self, "lose", False):
            self.close_connection = True    # carried out, never answered
            return
        data = raw if raw is not None else (
            b"" if obj is None and code == 204 else json.dumps(obj).encode())
        self.send_response(code)
        if code != 204:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n).decode() if n else ""

    def split(self):
        u = urllib.parse.urlsplit(self.path)
        return u.path, urllib.parse.parse_qs(u.query, keep_blank_values=True)

    def handle_any(self):
        self.double.delay()
        self.body_text = self.read_body()
        if self.double.take_fault("swallow", self.command):
            self.close_connection = True
            return
        self.lose = self.double.take_fault("lose_answer", self.command)
        try:
            self.route(self.command)
        except Exception as e:  # a bug in the double: say it loudly
            self.reply(500, {"double_error": repr(e)})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def serve(handler, port, cert, key, double):
    handler.double = double
    srv = ThreadingHTTPServer(("127.0.0.1", int(port)), handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(double.path("double.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()
