#!/usr/bin/env python3
"""virtualmin_double.py: a stand-in for Virtualmin's remote API, for tests.

No Virtualmin exists in Debian, so the tests talk to this double.  It
behaves like the documented remote API, quirks included, and applies the
changes it accepts to a real BIND zone with nsupdate, so the agent's
confirmation through DNS is real.

What it follows (read in Virtualmin's own documentation and source):
  - "Remote API" (virtualmin.com/documentation/developer/http): all calls
    go to /virtual-server/remote.cgi with a parameter program=NAME; every
    other CGI parameter becomes a command-line option "--name value" (a
    parameter without a value becomes "--name"); GET and POST both work;
    the caller authenticates as a Webmin user with HTTP basic auth.
  - remote.cgi (virtualmin-gpl): json/xml/perl choose an output format;
    refusals before the program runs print "ERROR: ..." as plain text with
    HTTP 200, json or not (api_error); without a format the program's
    output ends with "\\nExit status: N\\n"; HTTP 200 in every case.
  - convert_remote_format() (virtualmin-gpl): the JSON answer is
    {"command", "status": "success"|"failure", ...}: on failure "error" is
    the first non-blank line of the output and "full_error" all of it, on
    success "output" is the output; for list-* programs with name-only,
    "data" is the list of lines.
  - modify-dns.pl (virtualmin-gpl): --domain (repeatable), --remove-record
    "NAME TYPE [VALUES]" removes every record of that name and type,
    --add-record "NAME TYPE VALUES", --add-record-with-ttl "NAME TYPE TTL
    VALUES" (one record per option); removals happen before additions
    whatever the order of the options; a record that already exists with
    the same values, or a name outside the domain, is skipped with a
    message and the program still exits 0; --ttl sets the zone's default
    TTL, not a record's; an unknown domain is a usage error ("Domain X does
    not exist", exit 1).
  - modify-dns.pl removes the records whose name is exactly the one given
    ("grep { $_->{'name'} eq $name && lc($_->{'type'}) eq lc($type) }"):
    a zone file that spells a name "WWW.example.com." keeps that record
    when "www.example.com. A" is removed, and the program still exits 0;
    a record is added with the name spelled as given.  This double keeps
    each record's spelling (the "case" file, then what modify-dns added).
  - get-dns.pl --domain D --multiline: per record its name (as the zone
    spells it) on a line, then "    Type:", "    Class:", "    TTL:",
    "    Value:" lines; with json=1, remote.cgi's convert_remote_format()
    parses that into "data": [{"name", "values": {"type": [..], "class":
    [..], "ttl": [..], "value": [..]}}] (virtualmin-gpl 7.x).
  - Webmin (miniserv) answers 401 to a missing or wrong user or password.

Usage: virtualmin_double.py PORT CERT KEY STATEDIR
STATEDIR holds:
  user, password     the one Webmin user the double knows (password: its
                     first line)
  domains            the virtual servers, one per line ("example.com")
  dns                "PORT KEYFILE": the named to apply changes to
  noremote           (optional) present: the user may not use the remote
                     API (remote.cgi refuses with ERROR:)
  lie                (optional) present: modify-dns says success and
                     changes nothing
  case               (optional) names as the zone file spells them, one
                     per line ("WWW.example.com."): every record of that
                     name is held with that spelling (whatever was added)
  names              (optional) "SUB..." the names get-dns looks at
                     besides those (default: @ www shop)
  calls.log          written: one JSON line per authenticated call
                     (program and options; never the password)
  double.pid         written: our PID once listening
"""

import base64
import json
import os
import ssl
import subprocess
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CERT, KEY, STATE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]


def state_file(name):
    return os.path.join(STATE, name)


def read_first_line(name):
    with open(state_file(name)) as f:
        return f.readline().rstrip("\r\n")


def domains():
    with open(state_file("domains")) as f:
        return [l.strip().rstrip(".").lower() for l in f if l.strip()]


USAGE = ("Changes DNS settings for one or more domains.\n\n"
         "virtualmin modify-dns --domain name | --all-domains\n"
         "                     [--add-record \"name type value\"]\n"
         "                     [--add-record-with-ttl \"name type TTL value\"]\n"
         "                     [--remove-record \"name type value\"]\n"
         "                     [--ttl seconds | --all-ttl seconds]\n")


class Usage(Exception):
    pass


def dig(name, rtype):
    port = read_first_line("dns").split()[0]
    out = subprocess.run(["dig", "+short", "+norec", "+time=2", "+tries=1",
                          "-p", port, "@127.0.0.1", name, rtype],
                         capture_output=True, text=True).stdout
    return sorted(l.strip() for l in out.splitlines() if l.strip())


def nsupdate(zone, lines):
    port, keyfile = read_first_line("dns").split()[:2]
    script = "server 127.0.0.1 %s\nzone %s\n%s\nsend\n" % (
        port, zone, "\n".join(lines))
    r = subprocess.run(["nsupdate", "-k", keyfile], input=script,
                       capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


SPELL = {}      # (lower-case name, type, value) -> the zone file's spelling


def expand(name, dom):
    """A name relative to the domain gets it appended (absolute: kept), its
    case kept as given (modify-dns.pl compares names with eq)."""
    if name.endswith("."):
        return name
    return "%s.%s." % (name, dom)


def spelling(name, rtype, value):
    """How the zone file spells this record's name."""
    if os.path.exists(state_file("case")):
        with open(state_file("case")) as f:
            for l in f:
                if l.strip().lower() == name.lower():
                    return l.strip()
    return SPELL.get((name.lower(), rtype, value), name.lower())


def zone_names(dom):
    subs = ["@", "www", "shop"]
    if os.path.exists(state_file("names")):
        subs = read_first_line("names").split()
    names = [dom + "." if s == "@" else "%s.%s." % (s, dom) for s in subs]
    if os.path.exists(state_file("case")):
        with open(state_file("case")) as f:
            names += [l.strip().lower() for l in f if l.strip()]
    names += [n for n, _, _ in SPELL]
    out = []
    for n in names:
        if n.lower().endswith(dom + ".") and n.lower() not in out:
            out.append(n.lower())
    return out


def get_dns(opts):
    """get-dns --domain D --multiline: the zone's A and AAAA records."""
    d = dict(opts)
    dom = d.get("domain", "").rstrip(".").lower()
    if not dom:
        raise Usage("Missing --domain parameter")
    if dom not in domains():
        raise Usage("Virtual server %s does not exist" % dom)
    out = []
    for n in zone_names(dom):
        for rtype in ("A", "AAAA"):
            for v in dig(n, rtype):
                out.append(spelling(n, rtype, v))
                out += ["    Type: %s" % rtype, "    Class: IN",
                        "    Value: %s" % v]
    return "\n".join(out) + "\n", 0


def modify_dns(opts):
    """Run modify-dns on opts [(name, value)]; return (output, exit)."""
    doms, adds, rems, ttl = [], [], [], None
    for k, v in opts:
        if k == "domain":
            doms.append(v.rstrip(".").lower())
        elif k == "add-record":
            p = v.split()
            if len(p) < 3:
                raise Usage("--add-record must be followed by the record "
                            "name, type and values, all in one parameter")
            adds.append((p[0], p[1].upper(), None, p[2:]))
        elif k == "add-record-with-ttl":
            p = v.split()
            if len(p) < 4:
                raise Usage("--add-record-with-ttl must be followed by the "
                            "record name, type, TTL and values, all in one "
                            "parameter")
            adds.append((p[0], p[1].upper(), p[2], p[3:]))
        elif k == "remove-record":
            p = v.split()
            if len(p) < 2:
                raise Usage("--remove-record must be followed by the record "
                            "name and type, all in one parameter")
            rems.append((p[0], p[1].upper(), p[2:]))
        elif k == "ttl":
            ttl = v
        else:
            raise Usage("Unknown parameter --%s" % k)
    if not doms:
        raise Usage("No domains specified")
    if not (adds or rems or ttl):
        raise Usage("Nothing to do")
    for d in doms:
        if d not in domains():
            raise Usage("Domain %s does not exist" % d)
    out = []
    for d in doms:
        out.append("Updating server %s .." % d)
        lines = []
        # What the zone holds, per name and type, as modify-dns would read.
        held = {}
        if rems:
            out.append("    Removing %d DNS records .." % len(rems))
            n = 0
            for name, rtype, values in rems:
                name = expand(name, d)
                cur = dig(name, rtype)
                # eq: only the records spelled exactly so
                gone = [c for c in cur
                        if (not values or c == " ".join(values)) and
                        spelling(name, rtype, c) == name]
                for c in gone:
                    n += 1
                    lines.append("update delete %s %s %s" % (name, rtype, c))
                    SPELL.pop((name.lower(), rtype, c), None)
                held[(name.lower(), rtype)] = [c for c in cur
                                               if c not in gone]
            out.append("    .. done" if n else
                       "    .. no matching records found")
        if adds:
            out.append("    Adding %d DNS records .." % len(adds))
            for name, rtype, rttl, values in adds:
                name = expand(name, d)
                key = (name.lower(), rtype)
                if key not in held:
                    held[key] = dig(name, rtype)
                value = " ".join(values)
                if value in held[key]:
                    out.append("    .. a DNS record for %s already exists"
                               % name)
                    continue
                if not (name.lower() == d + "." or
                        name.lower().endswith("." + d + ".")):
                    out.append("    .. DNS record %s is not in this domain"
                               % name)
                    continue
                held[key].append(value)
                if not os.path.exists(state_file("lie")):
                    SPELL[(name.lower(), rtype, value)] = name
                lines.append("update add %s %s %s %s" % (
                    name, rttl or "38400", rtype, value))
            out.append("    .. done")
        if ttl is not None:
            # The zone's default TTL ($TTL): no record changes.
            out.append("    Setting default TTL to %s .." % ttl)
            with open(state_file("defttl." + d), "w") as f:
                f.write(ttl + "\n")
            out.append("    .. done")
        if lines and not os.path.exists(state_file("lie")):
            rc, text = nsupdate(d, lines)
            if rc != 0:
                out.append("    .. failed to update the zone: %s" % text)
                return "\n".join(out) + "\n", 1
        out.append(".. done")
        out.append("")
    return "\n".join(out) + "\n", 0


def list_domains(opts):
    names = [d for d in domains()]
    keys = [k for k, _ in opts]
    if "name-only" in keys:
        return "\n".join(names) + "\n", 0
    text = "Domain                         Username\n"
    text += "".join("%-30s %s\n" % (d, "owner") for d in names)
    return text, 0


PROGRAMS = {"modify-dns": modify_dns, "list-domains": list_domains,
            "get-dns": get_dns}


def multiline_data(out):
    """convert_remote_format()'s parse of --multiline output."""
    data, obj = [], None
    for l in out.splitlines():
        if l and not l[0].isspace():
            obj = {}
            data.append({"name": l, "values": obj})
        elif l.strip() and ":" in l and obj is not None:
            k, v = l.strip().split(":", 1)
            obj.setdefault(k.lower().replace(" ", "_"), []).append(v.strip())
    return data


class Handler(BaseHTTPRequestHandler):
    server_version = "MiniServ/2.105"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return False
        return user == read_first_line("user") and \
            pw == read_first_line("password")

    def handle_call(self, query):
        if urllib.parse.urlsplit(self.path).path != \
                "/virtual-server/remote.cgi":
            return self.reply(404, "Error - File not found\n")
        if not self.authorised():
            return self.reply(401, "Unauthorized\n",
                              [("WWW-Authenticate", 'Basic realm="Webmin"')])
        params = urllib.parse.parse_qsl(query, keep_blank_values=True)
        with open(state_file("calls.log"), "a") as f:
            f.write(json.dumps({"method": self.command,
                                "params": params}) + "\n")
        if os.path.exists(state_file("noremote")):
            return self.reply(200, "ERROR: You are not allowed to use the "
                              "remote API\n")
        prog = dict(params).get("program")
        if not prog:
            return self.reply(200, "This CGI is designed to be invoked by "
                              "other programs\n")
        if prog not in PROGRAMS:
            return self.reply(200, "ERROR: Program %s does not exist\n"
                              % prog)
        fmt = next((k for k, _ in params if k in ("json", "xml", "perl")),
                   None)
        opts = [(k, v) for k, v in params if k not in ("program", fmt)]
        try:
            out, ex = PROGRAMS[prog](opts)
        except Usage as e:
            out, ex = "%s\n\n%s" % (e, USAGE), 1
        if fmt == "json":
            data = {"command": prog,
                    "status": "failure" if ex else "success"}
            if ex:
                data["error"] = next(l for l in out.splitlines()
                                     if l.strip())
                data["full_error"] = out
            elif prog.startswith("list-") and "name-only" in dict(opts):
                data["data"] = out.splitlines()
            elif prog == "get-dns" and "multiline" in dict(opts):
                data["data"] = multiline_data(out)
            else:
                data["output"] = out
            return self.reply(200, json.dumps(data, indent=3) + "\n")
        return self.reply(200, out + "\nExit status: %d\n" % ex)

    def do_GET(self):
        self.handle_call(urllib.parse.urlsplit(self.path).query)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.handle_call(self.rfile.read(n).decode())


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(state_file("double.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


if __name__ == "__main__":
    main()
