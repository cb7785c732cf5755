# nsview.sh: what a user looks at in the namespace tests (t/70-partition.t
# and t/lib/silent.sh): the agent's history and status as JSON, and DNS as
# the world sees it, asked at the master from the dns host (never cut off).
# Needs FA, CONF and IP_DNS set, and netns.sh sourced.

# json_eval EXPR: evaluate a Python expression on d, the JSON document on
# stdin, and c, its newest cycle (history); strings print as they are, the
# rest as JSON.  votes(x): "spare:verdict" for a valid vote, "spare:reason"
# for an abstention, sorted; dns_actions(d): actions that change DNS (dns
# to_backup, dns to_primary) in all cycles (not the checks that read it:
# dns layout, dns stale, the canary).
json_eval() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["cycles"][0] if d.get("cycles") else {}
def votes(x):
    return " ".join("%s:%s" % (v["spare"], v["verdict"] if v["valid"] else v["reason"])
                    for v in sorted(x.get("votes") or [], key=lambda v: v["spare"]))
def dns_actions(d):
    return sum(1 for c in d["cycles"] for a in c["actions"] if a["kind"].startswith("dns to_"))
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}
hist() {	# on history -n 1000 --json (newest cycle first)
	"$FA" -c "$CONF" history -n 1000 --json 2> /dev/null | json_eval "$1"
}
fa_status() {	# on status --json
	"$FA" -c "$CONF" status --json 2> /dev/null | json_eval "$1"
}

# dig_at ARGS: a query at the master, from the dns host.
dig_at() {
	netns_exec dns dig +norec +time=1 +tries=2 @"$IP_DNS" "$@"
}
answer() {	# answer NAME TYPE: sorted, one line
	dig_at +short "$1" "$2" | sort | tr '\n' ' ' | sed 's/ $//'
}
