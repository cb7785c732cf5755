#!/usr/bin/env python3
"""dnsproxy.py: a DNS proxy (UDP and TCP) between the agent and a real
server that can lose answers on purpose, for the lost-answer tests (issue 16).

    dnsproxy.py LISTEN_ADDR UPSTREAM_PORT MODEFILE LOGFILE PORTFILE

Listens on LISTEN_ADDR (an IPv4 or IPv6 literal) on a free port, UDP and TCP
the same, writes that port to PORTFILE once both listen, and forwards every
message to the server at LISTEN_ADDR#UPSTREAM_PORT from LISTEN_ADDR (the
source address is pinned).  Before each answer goes back it reads MODEFILE
(the switch; a missing or empty file is "pass"):

    pass                  forward everything
    drop-update-answers   drop the server's answers to UPDATEs (opcode 5),
                          over UDP and TCP; the UPDATEs themselves reach it
    drop-udp-update-answers   the same over UDP only: a resent copy over
                          TCP gets its answer
    drop-update           drop the UPDATEs themselves (the server never
                          sees them), over UDP and TCP
    drop-all-answers      drop every answer (UPDATEs and queries)
    blackout-after-update forward until an UPDATE goes through, then drop
                          every answer (the path dies as the UPDATE lands:
                          the answer and every read back are lost)

Each message dropped is logged to LOGFILE as "drop udp|tcp answer|request
opcode N", so a test can tell the path it meant to take was taken.  Runs
until SIGTERM.
"""
import os
import socket
import struct
import sys
import threading

LISTEN, UPSTREAM, MODEFILE, LOGFILE, PORTFILE = (
    sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
FAMILY = socket.AF_INET6 if ":" in LISTEN else socket.AF_INET
LOCK = threading.Lock()
BLACKOUT = threading.Event()


def mode():
    try:
        with open(MODEFILE) as f:
            return f.read().strip() or "pass"
    except OSError:
        return "pass"


def opcode(msg):
    return (msg[2] >> 3) & 0xF if len(msg) >= 3 else -1


def log(what):
    with LOCK, open(LOGFILE, "a") as f:
        f.write(what + "\n")


def drop_request(proto, msg):
    if mode() == "blackout-after-update" and opcode(msg) == 5:
        BLACKOUT.set()
    if mode() == "drop-update" and opcode(msg) == 5:
        log("drop %s request opcode %d" % (proto, opcode(msg)))
        return True
    return False


def drop_answer(proto, msg):
    m = mode()
    op = opcode(msg)
    drop = (m == "drop-all-answers" or
            (m == "blackout-after-update" and BLACKOUT.is_set()) or
            (m == "drop-update-answers" and op == 5) or
            (m == "drop-udp-update-answers" and op == 5 and proto == "udp"))
    if drop:
        log("drop %s answer opcode %d" % (proto, op))
    return drop


def udp_one(srv, client, msg):
    up = socket.socket(FAMILY, socket.SOCK_DGRAM)
    try:
        up.bind((LISTEN, 0))
        up.settimeout(30)
        up.sendto(msg, (LISTEN, UPSTREAM))
        ans, _ = up.recvfrom(65535)
        if not drop_answer("udp", ans):
            srv.sendto(ans, client)
    except OSError:
        pass
    finally:
        up.close()


def udp_loop(srv):
    while True:
        msg, client = srv.recvfrom(65535)
        if drop_request("udp", msg):
            continue
        threading.Thread(target=udp_one, args=(srv, client, msg),
                         daemon=True).start()


def read_msg(s):
    """One length-prefixed DNS message from a TCP stream, or None."""
    head = b""
    while len(head) < 2:
        part = s.recv(2 - len(head))
        if not part:
            return None
        head += part
    n = struct.unpack("!H", head)[0]
    body = b""
    while len(body) < n:
        part = s.recv(n - len(body))
        if not part:
            return None
        body += part
    return body


def tcp_one(client):
    up = socket.socket(FAMILY, socket.SOCK_STREAM)
    try:
        up.bind((LISTEN, 0))
        up.connect((LISTEN, UPSTREAM))
        while True:
            msg = read_msg(client)
            if msg is None:
                break
            if drop_request("tcp", msg):
                continue
            up.sendall(struct.pack("!H", len(msg)) + msg)
            ans = read_msg(up)
            if ans is None:
                break
            if not drop_answer("tcp", ans):
                client.sendall(struct.pack("!H", len(ans)) + ans)
    except OSError:
        pass
    finally:
        up.close()
        client.close()


def tcp_loop(lst):
    while True:
        client, _ = lst.accept()
        threading.Thread(target=tcp_one, args=(client,), daemon=True).start()


def main():
    for _ in range(50):
        lst = socket.socket(FAMILY, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((LISTEN, 0))
        port = lst.getsockname()[1]
        srv = socket.socket(FAMILY, socket.SOCK_DGRAM)
        try:
            srv.bind((LISTEN, port))
            break
        except OSError:
            srv.close()
            lst.close()
    else:
        sys.exit("no free port")
    lst.listen(16)
    threading.Thread(target=udp_loop, args=(srv,), daemon=True).start()
    tmp = PORTFILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, PORTFILE)
    tcp_loop(lst)


if __name__ == "__main__":
    main()
