# tap.sh: TAP output for shell tests (POSIX sh; source it).
#
#   ok RC DESC          pass if RC is 0:  test -s "$f"; ok $? "file written"
#   pass DESC / fail DESC
#   is GOT WANT DESC    string equality, shows both on failure
#   isnt GOT UNWANTED DESC
#   like TEXT ERE DESC  TEXT (any number of lines) matches the extended
#   unlike TEXT ERE DESC   regular expression (grep -E)
#   diag TEXT...        "# " lines on stderr (shown by prove)
#   note TEXT...        "# " lines on stdout
#   bail_out REASON     fail right now: a "not ok" line, the plan, exit 1
#   done_testing        print the plan 1..N; exit 1 if anything failed or
#                       nothing was tested, else 0
#
# A test that cannot run (a missing program, a server that does not start)
# fails through bail_out: it never skips.

TAP_N=0
TAP_FAILED=0

_tap_lines() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

diag() {
	_tap_lines "$@" >&2
}

note() {
	_tap_lines "$@"
}

pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
}

ok() {
	if [ "$1" = 0 ]; then
		pass "$2"
		return 0
	fi
	fail "$2"
	diag "  exit status: $1"
	return 1
}

is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "  got:  '$1'" "  want: '$2'"
	return 1
}

isnt() {
	if [ "$1" != "$2" ]; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "  got '$1', which it should not be"
	return 1
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "  text:" "$1" "  does not match: $2"
	return 1
}

unlike() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "  text:" "$1" "  matches, and should not: $2"
	return 1
}

bail_out() {
	fail "$1"
	done_testing
}

done_testing() {
	echo "1..$TAP_N"
	if [ "$TAP_N" -eq 0 ]; then
		diag "no test ran"
		exit 1
	fi
	if [ "$TAP_FAILED" -gt 0 ]; then
		diag "failed $TAP_FAILED of $TAP_N"
		exit 1
	fi
	exit 0
}
