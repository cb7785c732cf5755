#!/usr/bin/env python3
"""ovh_double.py: a stand-in for the OVHcloud API v1 (/auth and
/domain/zone), for tests.  It keeps OVH's records in memory, as OVH's
database does, and publishes a zone to a real BIND (nsupdate, apidouble.py)
only on POST /domain/zone/ZONE/refresh, as OVH does: a client that forgets
the refresh changes nothing in DNS, and the agent's confirmation through DNS
is real.

What it follows (OVHcloud's "First Steps with the OVHcloud APIs", the API
console's /domain/zone schema, and python-ovh's client.py):
  - GET /auth/time: the server's time, a bare integer; not signed;
  - every other call is signed: X-Ovh-Application (AK), X-Ovh-Consumer
    (CK), X-Ovh-Timestamp, X-Ovh-Signature = "$1$" + SHA1_HEX(AS+"+"+CK+"+"+
    METHOD+"+"+FULL_URL+"+"+BODY+"+"+TIMESTAMP);
  - errors are {"errorCode", "httpCode", "message"}: 403 INVALID_KEY
    ("Invalid application key"), 403 INVALID_CREDENTIAL ("This credential
    does not exist"), 400 INVALID_SIGNATURE ("Invalid signature"), 403
    NOT_GRANTED_CALL ("This call has not been granted"), 404 ("This service
    does not exist", "The requested object (id = N) does not exist");
  - GET /auth/currentCredential: {"status": "validated", "rules":
    [{"method", "path"}], ...};
  - GET /domain/zone/ZONE; GET /domain/zone/ZONE/record?fieldType=&
    subDomain= -> [ids]; GET/PUT/DELETE /domain/zone/ZONE/record/ID; POST
    /domain/zone/ZONE/record {fieldType, subDomain, target, ttl}; POST
    /domain/zone/ZONE/refresh.
Request bodies: OVH's API takes JSON.  python-ovh sends every POST and PUT
with a body, json.dumps() of its arguments ("{}" when there are none, as for
POST .../refresh) and "Content-type: application/json"; go-ovh sends a nil
body (a refresh) as no body and no Content-Type.  OVH does not document its
answer to anything else (an empty form, a body that is not JSON): this
double refuses it with 400 {"errorCode": "INVALID_BODY", "message":
"Invalid JSON body"} (its own choice) so that a client that differs from
both reference clients is caught here rather than by a real account.
OVH documents neither how far X-Ovh-Timestamp may be from its clock nor
the error for it: this double refuses more than WINDOW (60) seconds with
400 {"errorCode": "QUERY_TIME_OUT", "message": "Query out of time"} (its
own choice), which a client that corrects its clock with /auth/time never
meets.  Nor does OVH document a rate limit's answer: this double answers
429 with Retry-After, the generic HTTP way (RFC 6585 §4).

Usage: ovh_double.py PORT CERT KEY STATEDIR
STATEDIR (besides apidouble.py's files):
  ak, as, ck   the application key, application secret, consumer key
  zones        the account's zones, one per line
  names        the names the double knows in each zone, "ZONE SUB..." per
               line ("example.com @ www"): their A and AAAA are read from
               BIND when OVH's copy is not waiting for a refresh
  skew         (optional) seconds: OVH's clock is ours plus that
  rules        (optional) the consumer key's rules, "METHOD PATH" per line
               (default: GET, POST, PUT, DELETE on /*)
  fail_write   (optional) "TYPE [COUNT]" per line: a PUT, POST or DELETE of
               a record of that type fails with 500 (COUNT times)
"""

import hashlib
import itertools
import json
import re
import sys
import time

from apidouble import Double, Handler, serve, LOCK

PREFIX = "/1.0"
WINDOW = 60
RECORDS = {}            # id -> {"id", "zone", "subDomain", "fieldType", ...}
PENDING = set()         # (zone, sub, type) changed since the last refresh
NEXT_ID = itertools.count(5000001)


def ovh_err(code, http, message):
    return {"errorCode": code, "httpCode": http, "message": message}


class OVH(Handler):
    def now(self):
        skew = int(self.double.first_line("skew")) \
            if self.double.exists("skew") else 0
        return int(time.time()) + skew

    def zones(self):
        return [z.rstrip(".").lower() for z in self.double.lines("zones")]

    def rules(self):
        r = self.double.lines("rules")
        if not r:
            r = ["GET /*", "POST /*", "PUT /*", "DELETE /*"]
        return [dict(zip(("method", "path"), l.split(None, 1))) for l in r]

    @staticmethod
    def rule_match(rule, path):
        return re.fullmatch(re.escape(rule).replace(r"\*", ".*"),
                            path) is not None

    def fqdn(self, zone, sub):
        return zone if sub == "" else "%s.%s" % (sub, zone)

    def sync(self, zone, sub, ftype):
        """OVH's copy of zone/sub/type: BIND's, unless changed and not yet
        refreshed (then OVH's own)."""
        with LOCK:
            if (zone, sub, ftype) in PENDING:
                return
            held = {r["target"]: r for r in RECORDS.values()
                    if r["zone"] == zone and r["subDomain"] == sub and
                    r["fieldType"] == ftype}
        dns = self.double.dig(self.fqdn(zone, sub), ftype)
        with LOCK:
            if (zone, sub, ftype) in PENDING:
                return
            want = {v: ttl for ttl, v in dns}
            for t, r in held.items():
                if t not in want:
                    del RECORDS[r["id"]]
            for t, ttl in want.items():
                if t not in held:
                    i = next(NEXT_ID)
                    RECORDS[i] = {"id": i, "zone": zone, "subDomain": sub,
                                  "fieldType": ftype, "target": t,
                                  "ttl": ttl}

    def authorised(self, method, path):
        h = self.headers
        ak, as_, ck = (self.double.first_line(n) for n in ("ak", "as", "ck"))
        if h.get("X-Ovh-Application") != ak:
            return self.reply(403, ovh_err("INVALID_KEY", "403 Forbidden",
                                           "Invalid application key"))
        if h.get("X-Ovh-Consumer") != ck:
            return self.reply(403, ovh_err("INVALID_CREDENTIAL",
                                           "403 Forbidden",
                                           "This credential does not exist"))
        ts = h.get("X-Ovh-Timestamp", "")
        if not ts.isdigit() or abs(int(ts) - self.now()) > WINDOW:
            return self.reply(400, ovh_err("QUERY_TIME_OUT",
                                           "400 Bad Request",
                                           "Query out of time"))
        url = "https://%s%s" % (h.get("Host", ""), self.path)
        want = "$1$" + hashlib.sha1("+".join([
            as_, ck, method, url, self.body_text, ts]).encode()).hexdigest()
        if h.get("X-Ovh-Signature") != want:
            return self.reply(400, ovh_err("INVALID_SIGNATURE",
                                           "400 Bad Request",
                                           "Invalid signature"))
        rel = path[len(PREFIX):]
        if not any(r["method"] == method and self.rule_match(r["path"], rel)
                   for r in self.rules()):
            return self.reply(403, ovh_err("NOT_GRANTED_CALL",
                                           "403 Forbidden",
                                           "This call has not been "
                                           "granted"))
        return True

    def route(self, method):
        path, q = self.split()
        if not path.startswith(PREFIX + "/"):
            return self.reply(404, {"message": "Not Found"})
        if path == PREFIX + "/auth/time" and method == "GET":
            return self.reply(200, self.now())
        if self.authorised(method, path) is not True:
            return
        ctype = self.headers.get("Content-Type")
        body = None
        if self.body_text or ctype is not None:
            try:
                if ctype is None or \
                        ctype.split(";")[0].strip().lower() != \
                        "application/json":
                    raise ValueError
                body = json.loads(self.body_text)
            except ValueError:
                return self.reply(400, ovh_err("INVALID_BODY",
                                               "400 Bad Request",
                                               "Invalid JSON body"))
        self.double.log_call(method, path[len(PREFIX):],
                             {k: v[0] for k, v in q.items()}, body)
        secs = self.double.take_ratelimit()
        if secs is not None:
            return self.reply(429, {"message": "Too many requests"},
                              [("Retry-After", secs)])
        p = path[len(PREFIX) + 1:].split("/")
        if p == ["auth", "currentCredential"] and method == "GET":
            return self.reply(200, {
                "applicationId": 4242, "credentialId": 424242,
                "status": "validated", "rules": self.rules(),
                "expiration": None, "creation": "2026-01-01T00:00:00+01:00",
                "lastUse": "2026-01-01T00:00:00+01:00", "ovhSupport": False,
                "allowedIPs": None})
        if len(p) >= 3 and p[:2] == ["domain", "zone"]:
            zone = p[2].lower()
            if zone not in self.zones():
                return self.reply(404, ovh_err("", "404 Not Found",
                                               "This service does not "
                                               "exist"))
            return self.zone_call(method, zone, p[3:], q, body)
        return self.reply(404, {"message": "Not Found"})

    def record_out(self, r):
        return {k: r[k] for k in ("id", "zone", "subDomain", "fieldType",
                                  "target", "ttl")}

    def zone_call(self, method, zone, rest, q, body):
        if rest == [] and method == "GET":
            return self.reply(200, {"name": zone, "hasDnsAnycast": False,
                                    "dnssecSupported": True,
                                    "nameServers": ["dns200.anycast.me",
                                                    "ns200.anycast.me"],
                                    "lastUpdate": "2026-01-01T00:00:00"})
        if rest == ["refresh"] and method == "POST":
            return self.refresh(zone)
        if rest == ["record"] and method == "GET":
            ftype = q.get("fieldType", [None])[0]
            sub = q.get("subDomain", [None])[0]
            names = self.names(zone) if sub is None else [sub]
            types = ["A", "AAAA"] if ftype is None else [ftype]
            for s in names:
                for t in types:
                    self.sync(zone, s, t)
            with LOCK:
                ids = sorted(r["id"] for r in RECORDS.values()
                             if r["zone"] == zone and
                             (ftype is None or r["fieldType"] == ftype) and
                             (sub is None or r["subDomain"] == sub))
            return self.reply(200, ids)
        if rest == ["record"] and method == "POST":
            b = body or {}
            if self.double.take_fault("fail_write", b.get("fieldType", "")):
                return self.reply(500, {"message": "Internal server error"})
            i = next(NEXT_ID)
            r = {"id": i, "zone": zone, "subDomain": b.get("subDomain", ""),
                 "fieldType": b.get("fieldType"), "target": b.get("target"),
                 "ttl": b.get("ttl", 0)}
            with LOCK:
                RECORDS[i] = r
                PENDING.add((zone, r["subDomain"], r["fieldType"]))
            return self.reply(200, self.record_out(r))
        if len(rest) == 2 and rest[0] == "record" and rest[1].isdigit():
            i = int(rest[1])
            with LOCK:
                r = RECORDS.get(i)
            if r is None or r["zone"] != zone:
                return self.reply(404, ovh_err("", "404 Not Found",
                                               "The requested object (id = "
                                               "%d) does not exist" % i))
            if method == "GET":
                return self.reply(200, self.record_out(r))
            if method in ("PUT", "DELETE") and \
                    self.double.take_fault("fail_write", r["fieldType"]):
                return self.reply(500, {"message": "Internal server error"})
            with LOCK:
                PENDING.add((zone, r["subDomain"], r["fieldType"]))
                if method == "PUT":
                    for k in ("target", "ttl", "subDomain"):
                        if body and k in body:
                            r[k] = body[k]
                    PENDING.add((zone, r["subDomain"], r["fieldType"]))
                elif method == "DELETE":
                    del RECORDS[i]
                else:
                    return self.reply(405, {"message": "Method not allowed"})
            return self.reply(200, None)
        return self.reply(404, {"message": "Not Found"})

    def names(self, zone):
        for l in self.double.lines("names"):
            p = l.split()
            if p[0].rstrip(".").lower() == zone:
                return ["" if s == "@" else s for s in p[1:]]
        return []

    def refresh(self, zone):
        """Publish OVH's copy of every pending name and type to DNS."""
        with LOCK:
            todo = sorted(k for k in PENDING if k[0] == zone)
            lines = []
            for z, sub, ftype in todo:
                name = self.fqdn(z, sub) + "."
                lines.append("update delete %s %s" % (name, ftype))
                for r in RECORDS.values():
                    if (r["zone"], r["subDomain"], r["fieldType"]) == \
                            (z, sub, ftype):
                        lines.append("update add %s %d %s %s" % (
                            name, r["ttl"] or 3600, ftype, r["target"]))
        if lines:
            rc, text = self.double.nsupdate(zone, lines)
            if rc != 0:
                return self.reply(500, {"message": "refresh failed: " +
                                        text})
        with LOCK:
            for k in todo:
                PENDING.discard(k)
        return self.reply(200, None)


def main():
    port, cert, key, state = sys.argv[1:5]
    serve(OVH, port, cert, key, Double(state))


if __name__ == "__main__":
    main()
