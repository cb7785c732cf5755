/*
 * vocab.c: the string forms of vocab.h.  Each table is indexed by its
 * enum with designated initializers, so a new value without a name shows
 * as "invalid" rather than shifting the others.
 */
#include <string.h>

#include "agent/core/vocab.h"

static const char *const site_state_names[SITE_STATE_MAX] = {
	[SITE_UNKNOWN] = "UNKNOWN",
	[SITE_STANDBY] = "STANDBY",
	[SITE_ACTIVE] = "ACTIVE",
	[SITE_FAILED] = "FAILED",
};

static const char *const primary_status_names[PRIMARY_STATUS_MAX] = {
	[PRIMARY_OK] = "OK",
	[PRIMARY_INFO] = "INFO",
	[PRIMARY_WARN] = "WARN",
	[PRIMARY_CRITICAL] = "CRITICAL",
	[PRIMARY_FAIL] = "FAIL",
};

static const char *const cycle_outcome_names[OUTCOME_MAX] = {
	[OUTCOME_NOOP] = "NOOP",
	[OUTCOME_ISOLATED] = "ISOLATED",
	[OUTCOME_PARTITION] = "PARTITION",
	[OUTCOME_FAILOVER] = "FAILOVER",
	[OUTCOME_FAILBACK] = "FAILBACK",
	[OUTCOME_HELD] = "HELD",
	[OUTCOME_WAITING] = "WAITING",
	[OUTCOME_REFUSED] = "REFUSED",
	[OUTCOME_CONFLICT] = "CONFLICT",
	[OUTCOME_ERROR] = "ERROR",
	[OUTCOME_UNSAFE] = "UNSAFE",
	[OUTCOME_UNCONFIRMED] = "UNCONFIRMED",
};

static const char *const dns_holds_names[DNS_HOLDS_MAX] = {
	[DNS_HOLDS_NOT_READ] = "not-read",
	[DNS_HOLDS_PRIMARY] = "primary",
	[DNS_HOLDS_BACKUP] = "backup",
	[DNS_HOLDS_MIXED] = "mixed",
	[DNS_HOLDS_OTHER] = "other",
	[DNS_HOLDS_UNREADABLE] = "unreadable",
};

static const char *const quorum_result_names[QUORUM_MAX] = {
	[QUORUM_NOT_ASKED] = "not-asked",
	[QUORUM_NOT_CONFIGURED] = "not-configured",
	[QUORUM_ISOLATED] = "isolated",
	[QUORUM_PARTITION] = "partition",
	[QUORUM_CONFIRMED] = "confirmed",
	[QUORUM_UNCONFIRMED] = "unconfirmed",
	[QUORUM_FAILBACK_ALLOWED] = "failback-allowed",
	[QUORUM_FAILBACK_VETOED] = "failback-vetoed",
};

static const char *const failback_safety_names[FAILBACK_SAFETY_MAX] = {
	[FAILBACK_SAFETY_NOT_CHECKED] = "not-checked",
	[FAILBACK_SAFETY_SAFE] = "safe",
	[FAILBACK_SAFETY_UNSAFE] = "unsafe",
	[FAILBACK_SAFETY_UNKNOWN] = "unknown",
};

static const char *
name_of(const char *const *names, int max, int v)
{
	if (v < 0 || v >= max || names[v] == NULL)
		return "invalid";
	return names[v];
}

static int
value_of(const char *const *names, int max, const char *s)
{
	int	 i;

	if (s == NULL)
		return -1;
	for (i = 0; i < max; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *
site_state_str(enum site_state v)
{
	return name_of(site_state_names, SITE_STATE_MAX, v);
}

const char *
primary_status_str(enum primary_status v)
{
	return name_of(primary_status_names, PRIMARY_STATUS_MAX, v);
}

const char *
cycle_outcome_str(enum cycle_outcome v)
{
	return name_of(cycle_outcome_names, OUTCOME_MAX, v);
}

const char *
dns_holds_str(enum dns_holds v)
{
	return name_of(dns_holds_names, DNS_HOLDS_MAX, v);
}

const char *
quorum_result_str(enum quorum_result v)
{
	return name_of(quorum_result_names, QUORUM_MAX, v);
}

const char *
failback_safety_str(enum failback_safety v)
{
	return name_of(failback_safety_names, FAILBACK_SAFETY_MAX, v);
}

int
site_state_from_str(const char *s)
{
	return value_of(site_state_names, SITE_STATE_MAX, s);
}

int
primary_status_from_str(const char *s)
{
	return value_of(primary_status_names, PRIMARY_STATUS_MAX, s);
}

int
cycle_outcome_from_str(const char *s)
{
	return value_of(cycle_outcome_names, OUTCOME_MAX, s);
}

static const char *const check_outcome_names[CHECK_OUTCOME_MAX] = {
	[CHECK_OK] = "ok",
	[CHECK_TIMEOUT] = "timeout",
	[CHECK_REFUSED] = "refused",
	[CHECK_UNREACHABLE] = "unreachable",
	[CHECK_RESOLVE_FAILED] = "resolve-failed",
	[CHECK_TLS_FAILED] = "tls-failed",
	[CHECK_BAD_STATUS] = "bad-status",
	[CHECK_BODY_MISMATCH] = "body-mismatch",
	[CHECK_PROTOCOL_ERROR] = "protocol-error",
	[CHECK_INTERNAL_ERROR] = "internal-error",
	[CHECK_MYSQL_CONNECT_FAILED] = "mysql-connect-failed",
	[CHECK_ACCESS_DENIED] = "access-denied",
	[CHECK_QUERY_FAILED] = "query-failed",
	[CHECK_IO_STOPPED] = "io-thread-stopped",
	[CHECK_SQL_STOPPED] = "sql-thread-stopped",
	[CHECK_LAGGING] = "lagging",
	[CHECK_WARNING] = "warning",
	[CHECK_CRITICAL] = "critical",
	[CHECK_UNKNOWN] = "unknown",
	[CHECK_DNS_RCODE] = "dns-rcode",
	[CHECK_DNS_MISMATCH] = "dns-mismatch",
};

/* The stable lower-case name of an outcome; "unknown" for a bad value. */
const char *
check_outcome_str(enum check_outcome o)
{
	if ((unsigned)o >= CHECK_OUTCOME_MAX || check_outcome_names[o] == NULL)
		return "unknown";
	return check_outcome_names[o];
}

bool
check_outcome_passed(enum check_outcome o)
{
	return o == CHECK_OK || o == CHECK_WARNING;
}

bool
check_outcome_cannot_tell(enum check_outcome o)
{
	return o == CHECK_INTERNAL_ERROR || o == CHECK_UNKNOWN;
}

int
check_outcome_from_str(const char *s)
{
	int	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < CHECK_OUTCOME_MAX; i++)
		if (check_outcome_names[i] != NULL &&
		    strcmp(s, check_outcome_names[i]) == 0)
			return i;
	return -1;
}

