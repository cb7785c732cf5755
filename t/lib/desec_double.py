#!/usr/bin/env python3
"""desec_double.py: a stand-in for deSEC's DNS API (https://desec.io/api/v1),
for the tests of method = http, whose worked example it is
(failover-agent.conf(5), EXAMPLES).  It applies what it accepts to a real
BIND zone with nsupdate (apidouble.py), so the agent's confirmation through
DNS is real.

What it follows (deSEC's documentation, desec-stack docs/dns/rrsets.rst,
docs/authentication.rst, docs/rate-limits.rst):
  - "Authorization: Token TOKEN"; a wrong one: 401 {"detail": "Invalid
    token."}, none: 401 {"detail": "Authentication credentials were not
    provided."};
  - GET /api/v1/auth/account/: the account;
  - /api/v1/domains/NAME/rrsets/SUBNAME/TYPE/: GET one RRset; PUT (every
    field: subname, type, ttl, records) or PATCH (some) to change it: 200
    with the RRset, or 204 when records is [] (the RRset deleted); the zone
    apex is "@", and "SUBNAME.../" (three dots) stands for the subname
    without special cases ("...": the apex).  This detail view changes an
    RRset that exists and only that: a PUT or PATCH of one that does not
    exist (yet) is 404 {"detail": "Not found."} (rrsets.rst, "Modifying an
    RRset": use the endpoint you would use to retrieve it; desec-stack's
    RRsetDetail view looks the object up first and 404s); creating takes
    POST to /rrsets/ or the bulk endpoint;
  - /api/v1/domains/NAME/rrsets/ with an array: bulk PUT or PATCH, atomic
    ("either all given RRsets are accepted and published in (or deleted
    from) the DNS, or none of them are"); the apex is "subname": "";
  - a domain that does not exist or is not yours: 404 {"detail": "Not
    found."};
  - ttl at least the domain's minimum_ttl (3600 unless lowered): 400
    {"ttl": ["Ensure this value is greater than or equal to N."]};
  - rate limits (rate-limits.rst): writes of RRsets are limited per
    domain (scope dns_api_per_domain_expensive) to 2/s, 15/min, 100/h and
    300/day, all at once; over one: 429 with Retry-After (the seconds until
    the window frees one) and {"detail": "Request was throttled. Expected
    available in N seconds."}.  A refused request does not count.

Usage: desec_double.py PORT CERT KEY STATEDIR
STATEDIR (besides apidouble.py's files):
  token        the one valid token
  domains      the account's domains, one per line
  minimum_ttl  (optional) the domains' minimum TTL (default 3600)
  fail_write   (optional) "TYPE [COUNT]" per line: a write of an RRset of
               that type fails with 500 {"detail": "A server error
               occurred."} (COUNT times)
  limits       (optional) the per-domain write limits, "N/s N/min N/h N/d"
               (default deSEC's: 2/s 15/min 100/h 300/d); a test that is
               not about them may raise them; a change of the limits
               starts the count afresh
"""

import ipaddress
import json
import math
import sys
import time

from apidouble import Double, Handler, serve, LOCK

PREFIX = "/api/v1"
WINDOWS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
WRITES = {}     # domain -> [monotonic time of each accepted write]
COUNTED = [None]    # the limits WRITES was counted under


class DeSEC(Handler):
    def domains(self):
        return [d.rstrip(".").lower() for d in self.double.lines("domains")]

    def min_ttl(self):
        return int(self.double.first_line("minimum_ttl")) \
            if self.double.exists("minimum_ttl") else 3600

    def limits(self):
        text = self.double.first_line("limits") \
            if self.double.exists("limits") else "2/s 15/min 100/h 300/d"
        out = []
        for part in text.split():
            n, w = part.split("/")
            out.append((int(n), WINDOWS[w]))
        return out

    def throttle(self, dom):
        """None when a write on dom may go (and counts it), else the
        Retry-After in seconds."""
        now = time.monotonic()
        limits = self.limits()
        with LOCK:
            if COUNTED[0] != limits:
                WRITES.clear()
                COUNTED[0] = limits
            w = [t for t in WRITES.get(dom, []) if now - t < 86400]
            wait = 0
            for n, secs in limits:
                inside = [t for t in w if now - t < secs]
                if len(inside) >= n:
                    wait = max(wait, inside[-n] + secs - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            w.append(now)
            WRITES[dom] = w
            return None

    def rrset(self, dom, sub, rtype):
        name = dom if sub == "" else "%s.%s" % (sub, dom)
        rrs = self.double.dig(name, rtype)
        if not rrs:
            return None
        return {"created": "2026-01-01T00:00:00Z", "domain": dom,
                "subname": sub, "name": name + ".", "type": rtype,
                "records": [v for _, v in rrs], "ttl": rrs[0][0],
                "touched": "2026-01-01T00:00:00Z"}

    def route(self, method):
        path, q = self.split()
        auth = self.headers.get("Authorization")
        if auth is None:
            return self.reply(401, {"detail": "Authentication credentials "
                                    "were not provided."})
        if auth != "Token " + self.double.first_line("token"):
            return self.reply(401, {"detail": "Invalid token."})
        try:
            body = json.loads(self.body_text) if self.body_text else None
        except ValueError:
            return self.reply(400, {"detail": "JSON parse error"})
        self.double.log_call(method, path[len(PREFIX):],
                             {k: v[0] for k, v in q.items()}, body)
        secs = self.double.take_ratelimit()
        if secs is not None:
            return self.reply(429, {"detail": "Request was throttled. "
                                    "Expected available in %s seconds."
                                    % secs}, [("Retry-After", secs)])
        if not path.startswith(PREFIX + "/"):
            return self.reply(404, {"detail": "Not found."})
        p = path[len(PREFIX) + 1:].rstrip("/").split("/")
        if p == ["auth", "account"] and method == "GET":
            return self.reply(200, {"created": "2026-01-01T00:00:00Z",
                                    "email": "hostmaster@example.com",
                                    "id": "9ab16e5c-2d4f-4b2a-8c1a-"
                                    "5d0f6f7e8a9b", "limit_domains": 15,
                                    "outreach_preference": False})
        if p == ["domains"] and method == "GET":
            return self.reply(200, [{"name": d, "minimum_ttl":
                                     self.min_ttl()} for d in self.domains()])
        if len(p) >= 3 and p[0] == "domains" and p[2] == "rrsets":
            dom = p[1].lower()
            if dom not in self.domains():
                return self.reply(404, {"detail": "Not found."})
            if method in ("PUT", "PATCH", "POST", "DELETE"):
                secs = self.throttle(dom)
                if secs is not None:
                    return self.reply(429, {
                        "detail": "Request was throttled. Expected "
                        "available in %d seconds." % secs},
                        [("Retry-After", str(secs))])
            if len(p) == 3 and method in ("PUT", "PATCH") and \
                    isinstance(body, list):
                return self.bulk(dom, method, body)
            if len(p) == 5:
                sub = p[3]
                if sub == "@" or sub == "...":
                    sub = ""
                elif sub.endswith("..."):
                    sub = sub[:-3]
                return self.one(dom, sub, p[4], method, body)
        return self.reply(404, {"detail": "Not found."})

    def check(self, rs, rtype, full):
        """The validation errors of one RRset (an object), or {}."""
        e = {}
        ttl = rs.get("ttl")
        if full and ttl is None:
            e["ttl"] = ["This field is required."]
        elif ttl is not None and (not isinstance(ttl, int) or
                                  ttl < self.min_ttl()):
            e["ttl"] = ["Ensure this value is greater than or equal to "
                        "%d." % self.min_ttl()]
        recs = rs.get("records")
        if full and recs is None:
            e["records"] = ["This field is required."]
        for r in recs or []:
            try:
                a = ipaddress.ip_address(r)
                if (a.version == 4) != (rtype == "A"):
                    raise ValueError
            except ValueError:
                e["records"] = ["Record content malformed: %s" % r]
        return e

    def lines_for(self, dom, sub, rtype, rs):
        name = (dom if sub == "" else "%s.%s" % (sub, dom)) + "."
        out = ["update delete %s %s" % (name, rtype)]
        old = self.rrset(dom, sub, rtype)
        ttl = rs.get("ttl", old["ttl"] if old else 3600)
        recs = rs.get("records", old["records"] if old else [])
        for r in recs:
            out.append("update add %s %d %s %s" % (name, ttl, rtype, r))
        return out, recs

    def one(self, dom, sub, rtype, method, body):
        if method == "GET":
            rs = self.rrset(dom, sub, rtype)
            return self.reply(200, rs) if rs else \
                self.reply(404, {"detail": "Not found."})
        if method not in ("PUT", "PATCH") or not isinstance(body, dict):
            return self.reply(400, {"detail": "Bad request."})
        if self.rrset(dom, sub, rtype) is None:
            # The detail view looks the RRset up first: none, no write.
            return self.reply(404, {"detail": "Not found."})
        e = self.check(body, rtype, method == "PUT")
        if e:
            return self.reply(400, e)
        if self.double.take_fault("fail_write", rtype):
            return self.reply(500, {"detail": "A server error occurred."})
        lines, recs = self.lines_for(dom, sub, rtype, body)
        rc, text = self.double.nsupdate(dom, lines)
        if rc != 0:
            return self.reply(500, {"detail": "internal: " + text})
        if not recs:
            return self.reply(204, None)
        return self.reply(200, self.rrset(dom, sub, rtype))

    def bulk(self, dom, method, body):
        errors, lines, any_err = [], [], False
        for rs in body:
            rtype = rs.get("type") if isinstance(rs, dict) else None
            e = {"type": ["This field is required."]} if rtype is None \
                else self.check(rs, rtype, method == "PUT")
            errors.append(e)
            any_err = any_err or bool(e)
        if any_err:
            return self.reply(400, errors)
        for rs in body:
            if self.double.take_fault("fail_write", rs["type"]):
                return self.reply(500, {"detail": "A server error "
                                        "occurred."})
            l, _ = self.lines_for(dom, rs.get("subname", ""), rs["type"], rs)
            lines += l
        rc, text = self.double.nsupdate(dom, lines)
        if rc != 0:
            return self.reply(500, {"detail": "internal: " + text})
        return self.reply(200, [x for x in (
            self.rrset(dom, rs.get("subname", ""), rs["type"])
            for rs in body) if x])


def main():
    port, cert, key, state = sys.argv[1:5]
    serve(DeSEC, port, cert, key, Double(state))


if __name__ == "__main__":
    main()
