#!/usr/bin/env python3
"""slowclient.py: hold many slow connections open to a vote server (t/60-vote.t).

  slowclient.py --source ADDR --host ADDR --port N --count N \
      --state FILE [--mode trickle|idle] [--every SECONDS]

Opens COUNT connections from the pinned source address.  trickle: each sends
"GET /v1/vote?" and then one more byte every SECONDS (a slowloris: never a
whole request); idle: each sends nothing.  The connections are opened in
non-blocking mode so COUNT is reached at once.  FILE is rewritten (renamed
into place) whenever the numbers change: "opened N closed N", where closed
counts connections the server ended (EOF or reset).  Runs until SIGTERM.
"""
import argparse
import os
import selectors
import signal
import socket
import sys
import time

stop = False


def on_term(_sig, _frm):
    global stop
    stop = True


def write_state(path, opened, closed):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("opened %d closed %d\n" % (opened, closed))
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--mode", choices=("trickle", "idle"), default="trickle")
    ap.add_argument("--every", type=float, default=0.5)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    sel = selectors.DefaultSelector()
    socks = []
    opened = closed = 0
    request = b"GET /v1/vote?target=primary HTTP/1.1\r\nHost: x\r\n"
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((a.source, 0))
        s.setblocking(False)
        try:
            s.connect((a.host, a.port))
        except BlockingIOError:
            pass
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, {"sent": 0, "up": False})
    write_state(a.state, opened, closed)
    next_tick = time.monotonic()
    while not stop:
        changed = False
        for key, ev in sel.select(timeout=0.1):
            s, st = key.fileobj, key.data
            if not st["up"] and ev & selectors.EVENT_WRITE:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    sel.unregister(s)
                    s.close()
                    closed += 1
                    changed = True
                    continue
                st["up"] = True
                opened += 1
                changed = True
                sel.modify(s, selectors.EVENT_READ, st)
                continue
            if ev & selectors.EVENT_READ:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(s)
                    s.close()
                    closed += 1
                    changed = True
        if a.mode == "trickle" and time.monotonic() >= next_tick:
            next_tick = time.monotonic() + a.every
            for key in list(sel.get_map().values()):
                s, st = key.fileobj, key.data
                if not st["up"]:
                    continue
                i = st["sent"] % len(request)
                try:
                    s.send(request[i:i + 1])
                    st["sent"] += 1
                except OSError:
                    pass
        if changed:
            write_state(a.state, opened, closed)
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
