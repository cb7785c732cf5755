#!/usr/bin/env python3
"""cloudflare_double.py: a stand-in for Cloudflare's API v4 (the DNS part),
for tests.  It applies what it accepts to a real BIND zone with nsupdate
(apidouble.py), so the agent's confirmation through DNS is real.

What it follows (Cloudflare's API reference and DNS documentation):
  - base https://api.cloudflare.com/client/v4; "Authorization: Bearer
    TOKEN"; every answer is the envelope {"success", "errors": [{"code",
    "message"}], "messages", "result"} (+ "result_info" for lists);
  - GET /user/tokens/verify: {"result": {"id", "status": "active"}, ...,
    "messages": [{"code": 10000, "message": "This API Token is valid and
    active"}]}; an unknown token: 401, errors [{"code": 1000, "message":
    "Invalid API Token"}]; an account-owned token is not a user token, so
    it is refused there the same way (Cloudflare's "Account API tokens"
    documentation: verify those at /accounts/{account_id}/tokens/verify);
  - GET /accounts/ACCOUNT_ID/tokens/verify: the same answer for a token
    owned by that account, 401 1000 for any other token;
  - elsewhere: no or malformed Authorization: 400, {"code": 6003,
    "message": "Invalid request headers", "error_chain": [{"code": 6111,
    "message": "Invalid format for Authorization header"}]}; a wrong token:
    403, {"code": 10000, "message": "Authentication error"};
  - GET /zones?name=NAME[&status=S][&account.id=ID]: the zones of that
    name the token can see, filtered (an empty list when none), each with
    its "status" (initializing, pending, active, moved: Cloudflare's "Zone
    status" documentation) and "account": {"id", "name"}; one name can be
    there more than once (a pending copy added to a second account, or the
    same name in two accounts the token reaches);
  - GET /zones/ID/dns_records?type=T&name=FQDN: the records (id, zone_id,
    zone_name, name, type, content, proxiable, proxied, ttl, ...); an
    unknown zone id: 400, {"code": 7003, "message": "Could not route to
    /zones/ID/dns_records, perhaps your object identifier is invalid?"};
  - POST /zones/ID/dns_records/batch {"deletes", "patches", "puts",
    "posts"}: run in that order, in one transaction: "If any of the
    individual action fails, no changes are applied and the API returns
    the first error it encountered" (here: one nsupdate message, atomic at
    BIND); the result lists what each list did;
  - ttl: 1 means automatic (300 s for a DNS-only record), else 60..86400;
  - rate limit: 429 with Retry-After (seconds), errors [{"code": 10100,
    "message": "More than 1200 requests per 300 seconds reached. Please
    wait and consider throttling your request speed"}].
Record ids are 32 hex digits, stable while a record lives (a patch keeps
the id), as in Cloudflare; zone ids are derived from the name.

Usage: cloudflare_double.py PORT CERT KEY STATEDIR
STATEDIR (besides apidouble.py's files):
  token       the one valid (user) API token (first line)
  account_token (optional) a token owned by the account "main": valid
              everywhere but /user/tokens/verify
  zones       the zones, one per line: "NAME [STATUS [ACCOUNT]]" (status
              active and account "main" unless given), e.g. "example.com"
              or "example.com pending other"
  fail_batch  (optional) zone names, "ZONE [COUNT]" per line: their batch
              fails with 400 {"code": 1004, "message": "DNS Validation
              Error"} and changes nothing
"""

import hashlib
import ipaddress
import json
import sys
import uuid

from apidouble import Double, Handler, serve, LOCK

PREFIX = "/client/v4"
IDS = {}        # (name, type, content) -> record id


def zone_id(name, account="main"):
    return hashlib.md5(("zone:%s:%s" % (name, account)).encode()).hexdigest()


def account_id(account):
    return hashlib.md5(("account:" + account).encode()).hexdigest()


def envelope(result, success=True, errors=(), info=None):
    d = {"success": success, "errors": list(errors), "messages": [],
         "result": result}
    if info is not None:
        d["result_info"] = info
    return d


def err(code, message, chain=None):
    e = {"code": code, "message": message}
    if chain:
        e["error_chain"] = chain
    return e


class CF(Handler):
    def fail(self, status, *errors, headers=()):
        self.reply(status, envelope(None, False, errors), headers)

    def zone_rows(self):
        """[(name, status, account)] from the zones file."""
        rows = []
        for l in self.double.lines("zones"):
            p = l.split()
            rows.append((p[0].rstrip(".").lower(),
                         p[1] if len(p) > 1 else "active",
                         p[2] if len(p) > 2 else "main"))
        return rows

    def zone_by_id(self, zid):
        for z, status, acct in self.zone_rows():
            if zone_id(z, acct) == zid and status == "active":
                return z
        return None

    def tokens(self):
        """{token: account or None (a user token)}."""
        t = {self.double.first_line("token"): None}
        if self.double.exists("account_token"):
            t[self.double.first_line("account_token")] = "main"
        return t

    def record(self, zone, name, rtype, ttl, content):
        key = (name, rtype, content)
        with LOCK:
            if key not in IDS:
                IDS[key] = uuid.uuid4().hex
            rid = IDS[key]
        return {"id": rid, "zone_id": zone_id(zone), "zone_name": zone,
                "name": name, "type": rtype, "content": content,
                "proxiable": True, "proxied": False,
                "ttl": 1 if ttl == 300 else ttl, "locked": False,
                "meta": {}, "comment": None, "tags": [],
                "created_on": "2026-01-01T00:00:00Z",
                "modified_on": "2026-01-01T00:00:00Z"}

    def records_of(self, zone, name, rtype):
        return [self.record(zone, name, rtype, ttl, v)
                for ttl, v in self.double.dig(name, rtype)]

    def find_id(self, zone, rid):
        with LOCK:
            for (name, rtype, content), i in IDS.items():
                if i == rid:
                    return name, rtype, content
        return None

    def route(self, method):
        path, q = self.split()
        if not path.startswith(PREFIX):
            return self.fail(404, err(7000, "No route for that URI"))
        path = path[len(PREFIX):]
        auth = self.headers.get("Authorization", "")
        tokens = self.tokens()
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        p = path.strip("/").split("/")
        acct_verify = len(p) == 4 and p[0] == "accounts" and \
            p[2:] == ["tokens", "verify"]
        if path == "/user/tokens/verify" and method == "GET":
            if token not in tokens or tokens[token] is not None:
                return self.fail(401, err(1000, "Invalid API Token"))
        elif acct_verify and method == "GET":
            if token not in tokens or tokens[token] is None or \
                    account_id(tokens[token]) != p[1]:
                return self.fail(401, err(1000, "Invalid API Token"))
        elif not auth.startswith("Bearer ") or len(auth) < 8:
            return self.fail(400, err(6003, "Invalid request headers", [
                err(6111, "Invalid format for Authorization header")]))
        elif token not in tokens:
            return self.fail(403, err(10000, "Authentication error"))
        body = None
        if self.body_text:
            try:
                body = json.loads(self.body_text)
            except ValueError:
                return self.fail(400, err(6007, "Malformed JSON in request "
                                          "body"))
        self.double.log_call(method, path, {k: v[0] for k, v in q.items()},
                             body)
        secs = self.double.take_ratelimit()
        if secs is not None:
            return self.fail(429, err(10100, "More than 1200 requests per "
                                      "300 seconds reached. Please wait "
                                      "and consider throttling your "
                                      "request speed"),
                             headers=[("Retry-After", secs)])

        if (path == "/user/tokens/verify" or acct_verify) and \
                method == "GET":
            return self.reply(200, {
                "result": {"id": hashlib.md5(token.encode()).hexdigest(),
                           "status": "active"},
                "success": True, "errors": [],
                "messages": [{"code": 10000, "message": "This API Token is "
                              "valid and active", "type": None}]})
        if p == ["zones"] and method == "GET":
            name = q.get("name", [None])[0]
            status = q.get("status", [None])[0]
            acct = q.get("account.id", [None])[0]
            own = tokens[token]
            zs = [(z, st, a) for z, st, a in self.zone_rows()
                  if (name is None or z == name.rstrip(".").lower()) and
                  (status is None or st == status) and
                  (acct is None or account_id(a) == acct) and
                  (own is None or a == own)]
            res = [{"id": zone_id(z, a), "name": z, "status": st,
                    "paused": False, "type": "full",
                    "account": {"id": account_id(a), "name": a},
                    "name_servers": ["ada.ns.cloudflare.com",
                                     "bob.ns.cloudflare.com"]}
                   for z, st, a in zs]
            return self.reply(200, envelope(res, info={
                "page": 1, "per_page": 20, "count": len(res),
                "total_count": len(res), "total_pages": 1}))
        if len(p) >= 3 and p[0] == "zones" and p[2] == "dns_records":
            zone = self.zone_by_id(p[1])
            if zone is None:
                return self.fail(400, err(7003, "Could not route to %s, "
                                          "perhaps your object identifier "
                                          "is invalid?" % (PREFIX + path)))
            if len(p) == 3 and method == "GET":
                name = q.get("name", [None])[0]
                rtype = q.get("type", [None])[0]
                if name is None or rtype is None:
                    # per_page=1 probe: any record will do
                    res = self.records_of(zone, zone, "SOA")[:0]
                else:
                    res = self.records_of(zone, name.rstrip(".").lower(),
                                          rtype)
                return self.reply(200, envelope(res, info={
                    "page": 1, "per_page": 100, "count": len(res),
                    "total_count": len(res), "total_pages": 1}))
            if len(p) == 4 and p[3] == "batch" and method == "POST":
                return self.batch(zone, body or {})
        return self.fail(404, err(7000, "No route for that URI"))

    def batch(self, zone, body):
        if self.double.take_fault("fail_batch", zone):
            return self.fail(400, err(1004, "DNS Validation Error"))
        lines, done = [], {"deletes": [], "patches": [], "puts": [],
                           "posts": []}
        renames = []
        for d in body.get("deletes", []):
            rec = self.find_id(zone, d.get("id"))
            if rec is None:
                return self.fail(400, err(81044, "Record does not exist."))
            name, rtype, content = rec
            lines.append("update delete %s. %s %s" % (name, rtype, content))
            done["deletes"].append({"id": d["id"]})
        for pa in body.get("patches", []):
            rec = self.find_id(zone, pa.get("id"))
            if rec is None:
                return self.fail(400, err(81044, "Record does not exist."))
            name, rtype, content = rec
            new = pa.get("content", content)
            ttl = pa.get("ttl", 1)
            e = self.check(rtype, new, ttl)
            if e:
                return self.fail(400, e)
            lines.append("update delete %s. %s %s" % (name, rtype, content))
            lines.append("update add %s. %d %s %s" % (
                name, 300 if ttl == 1 else ttl, rtype, new))
            renames.append(((name, rtype, content), (name, rtype, new)))
            done["patches"].append(dict(self.record(zone, name, rtype, ttl,
                                                    content), content=new))
        if body.get("puts"):
            return self.fail(400, err(1004, "DNS Validation Error: this "
                                      "double does not take puts"))
        for po in body.get("posts", []):
            name = po.get("name", "").rstrip(".").lower()
            rtype, new, ttl = po.get("type"), po.get("content"), \
                po.get("ttl", 1)
            if not (name == zone or name.endswith("." + zone)):
                return self.fail(400, err(1004, "DNS Validation Error"))
            e = self.check(rtype, new, ttl)
            if e:
                return self.fail(400, e)
            lines.append("update add %s. %d %s %s" % (
                name, 300 if ttl == 1 else ttl, rtype, new))
            done["posts"].append(self.record(zone, name, rtype, ttl, new))
        if lines:
            rc, text = self.double.nsupdate(zone, lines)
            if rc != 0:
                return self.fail(500, err(10001, "internal: " + text))
        with LOCK:
            for old, new in renames:
                if old in IDS:
                    IDS[new] = IDS.pop(old)
        return self.reply(200, envelope(done))

    @staticmethod
    def check(rtype, content, ttl):
        if not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
            return err(9021, "Invalid TTL. Must be between 60 and 86400 "
                       "seconds, or 1 for Automatic.")
        try:
            a = ipaddress.ip_address(content)
        except ValueError:
            return err(9005, "Content for %s record is invalid." % rtype)
        if (rtype == "A") != (a.version == 4):
            return err(9005, "Content for %s record is invalid." % rtype)
        return None


def main():
    port, cert, key, state = sys.argv[1:5]
    serve(CF, port, cert, key, Double(state))


if __name__ == "__main__":
    main()
