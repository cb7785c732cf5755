/*
 * check.c: the health-check engine (see check.h), after relayd's hce.c.
 *
 * A cycle is one event loop over one libcurl multi handle.  curl-based
 * checks (http) are easy handles in the multi; socket-based checks (tcp)
 * hand their sockets to curl_multi_poll() as extra struct curl_waitfd, so
 * curl's sockets and ours are waited on in the same poll(2).  Every check
 * has one CLOCK_MONOTONIC deadline, start + its timeout; each wait sleeps at
 * most until the nearest deadline, and a check still running at its deadline
 * ends as CHECK_TIMEOUT.  All checks start together, so a cycle lasts about
 * as long as its slowest check.
 *
 * libcurl: the caller (main) calls curl_global_init(CURL_GLOBAL_DEFAULT)
 * once, before any thread exists.  checks_run() never calls
 * curl_global_init() or curl_global_cleanup(), so it works whether or not
 * that was done; without it the first curl_easy_init() initialises libcurl
 * implicitly, which is not thread-safe.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

struct check_loop {
	CURLM			 *multi;
	struct check_run	 *runs;
	size_t			  nruns;
	size_t			  active;	/* runs not done yet */
	struct curl_waitfd	 *wfds;		/* nruns * CHECK_WAITFD_MAX */
	struct check_run	**wfd_run;	/* the run of each wfds[i] */
};

/*
 * What a failed connect(), send() or recv() says about the primary.  Only
 * running out of our own resources is our fault; a local firewall refusing
 * the packet (EPERM/EACCES) still means the primary cannot be reached.
 */
enum check_outcome
check_outcome_from_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return CHECK_REFUSED;
	case ETIMEDOUT:
		return CHECK_TIMEOUT;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
		return CHECK_INTERNAL_ERROR;
	default:	/* ENETUNREACH, EHOSTUNREACH, ECONNRESET, EPERM, ... */
		return CHECK_UNREACHABLE;
	}
}

CURLM *
check_loop_multi(struct check_loop *loop)
{
	return loop->multi;
}

void
check_done(struct check_run *run, enum check_outcome outcome,
    const char *fmt, ...)
{
	struct check_result	*res = run->res;
	va_list			 ap;
	char			 took[32];

	if (run->done) {
		log_warnx("check %s: ended twice (bug), keeping %s",
		    run->cfg->name, check_outcome_str(res->outcome));
		return;
	}
	res->outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	res->elapsed_ms = util_mono_ms() - run->start_ms;
	if (res->elapsed_ms < 0)
		res->elapsed_ms = 0;
	run->done = true;
	run->loop->active--;
	if (run->ops != NULL && run->ops->release != NULL)
		run->ops->release(run);

	util_duration_format(res->elapsed_ms, took, sizeof(took));
	if (check_outcome_passed(outcome))
		log_debug("check %s: %s: %s (%s)", run->cfg->name,
		    check_outcome_str(outcome), res->detail, took);
	else
		log_warnx("check %s: %s: %s (after %s)", run->cfg->name,
		    check_outcome_str(outcome), res->detail, took);
}

/*
 * The check types, in the order config errors list them: [check:NAME]
 * type = NAME finds check_NAME_type here (agent/core/confdesc.h), defined
 * in check_NAME.c with its keys and its code.  A new type is its file and
 * one line in FA_CHECK_TYPES.
 */
#define FA_CHECK_TYPES(X)	\
	X(http)			\
	X(tcp)			\
	X(mysql)		\
	X(exec)			\
	X(dns)

#define FA_CHECK_DECLARE(n)	\
	extern const struct cfg_check_type check_##n##_type;
#define FA_CHECK_ENTRY(n)	&check_##n##_type,

FA_CHECK_TYPES(FA_CHECK_DECLARE)

const struct cfg_check_type *const cfg_check_types[] = {
	FA_CHECK_TYPES(FA_CHECK_ENTRY)
	NULL
};

/* End every running check: the loop itself cannot go on. */
static void
check_loop_abort(struct check_loop *loop, const char *why)
{
	size_t	i;

	for (i = 0; i < loop->nruns; i++)
		if (!loop->runs[i].done)
			check_done(&loop->runs[i], CHECK_INTERNAL_ERROR, "%s",
			    why);
}

/* Hand every finished curl transfer to its check. */
static void
check_loop_curl_messages(struct check_loop *loop)
{
	struct check_run	*run;
	CURLMsg			*msg;
	CURL			*easy;
	CURLcode		 code;
	char			*priv;
	int			 left;

	while ((msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg dies when the handle is removed: copy what we need. */
		easy = msg->easy_handle;
		code = msg->data.result;
		priv = NULL;
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) !=
		    CURLE_OK || priv == NULL)
			continue;
		run = (struct check_run *)(void *)priv;
		if (!run->done && run->ops->curl_done != NULL)
			run->ops->curl_done(run, code);
	}
}

/*
 * End the checks whose deadline passed, collect the sockets of the others
 * into loop->wfds, and return how long the next wait may sleep: the time
 * left to the nearest deadline.
 */
static int
check_loop_arm(struct check_loop *loop, unsigned int *nwfds)
{
	struct check_run	*run;
	int64_t			 now, left, wait_ms = INT_MAX;
	size_t			 i, k, n, nfds = 0;
	char			 limit[32];

	now = util_mono_ms();
	for (i = 0; i < loop->nruns; i++) {
		run = &loop->runs[i];
		if (run->done)
			continue;
		left = run->deadline_ms - now;
		if (left <= 0) {
			if (run->ops->expire != NULL)
				run->ops->expire(run);
			/* expire() may grant itself a grace period, once */
			left = run->deadline_ms - now;
			if (!run->done && left <= 0) {
				util_duration_format(run->cfg->timeout_ms,
				    limit, sizeof(limit));
				check_done(run, CHECK_TIMEOUT,
				    "no answer within %s", limit);
			}
			if (run->done)
				continue;
		}
		if (left < wait_ms)
			wait_ms = left;
		if (run->ops->waitfds == NULL)
			continue;
		n = run->ops->waitfds(run, loop->wfds + nfds, CHECK_WAITFD_MAX);
		for (k = 0; k < n; k++) {
			loop->wfds[nfds + k].revents = 0;
			loop->wfd_run[nfds + k] = run;
		}
		nfds += n;
	}
	*nwfds = (unsigned int)nfds;
	return (int)wait_ms;
}

/* The event loop: runs until every check is done. */
static void
check_loop_run(struct check_loop *loop)
{
	struct check_run	*run;
	CURLMcode		 mc;
	unsigned int		 nwfds, k;
	int			 still, wait_ms;
	char			 why[128];

	while (loop->active > 0) {
		mc = curl_multi_perform(loop->multi, &still);
		if (mc != CURLM_OK) {
			snprintf(why, sizeof(why), "curl_multi_perform: %s",
			    curl_multi_strerror(mc));
			check_loop_abort(loop, why);
			break;
		}
		check_loop_curl_messages(loop);
		wait_ms = check_loop_arm(loop, &nwfds);
		if (loop->active == 0)
			break;
		mc = curl_multi_poll(loop->multi, loop->wfds, nwfds, wait_ms,
		    NULL);
		if (mc != CURLM_OK) {
			snprintf(why, sizeof(why), "curl_multi_poll: %s",
			    curl_multi_strerror(mc));
			check_loop_abort(loop, why);
			break;
		}
		for (k = 0; k < nwfds; k++) {
			run = loop->wfd_run[k];
			if (loop->wfds[k].revents != 0 && !run->done)
				run->ops->ready(run, loop->wfds[k].fd,
				    (short)loop->wfds[k].revents);
		}
	}
}

static void
check_results_fail(const struct config *cfg, struct check_result *results,
    const char *why)
{
	size_t	i;

	for (i = 0; i < cfg->nchecks; i++) {
		results[i].outcome = CHECK_INTERNAL_ERROR;
		snprintf(results[i].detail, sizeof(results[i].detail), "%s",
		    why);
		log_warnx("check %s: %s: %s", cfg->checks[i].name,
		    check_outcome_str(CHECK_INTERNAL_ERROR), why);
	}
}

/*
 * Run every check of cfg in parallel and fill results[0..nchecks-1] in
 * config order; results borrow cfg's checks (results[i].check), so cfg must
 * outlive them.  Nothing is left allocated or open on return.  Returns the
 * number of checks that did not end CHECK_OK.
 *
 * Two phases: prepare() for every check (the only step that may block, e.g.
 * resolving a tcp check's host name; no deadline runs yet, so a slow
 * resolver delays the cycle but cannot make another check time out), then
 * every check starts at the same instant with its deadline armed.
 */
int
checks_run(const struct config *cfg, struct check_result *results)
{
	struct check_loop	 loop;
	struct check_run	*run;
	size_t			 i;
	int64_t			 now;
	int			 nfailed = 0;

	memset(&loop, 0, sizeof(loop));
	for (i = 0; i < cfg->nchecks; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		results[i].check = &cfg->checks[i];
		/* Fail-safe: a result nobody filled in is not "ok". */
		results[i].outcome = CHECK_INTERNAL_ERROR;
		snprintf(results[i].detail, sizeof(results[i].detail),
		    "not run");
	}
	if (cfg->nchecks == 0)
		return 0;

	loop.nruns = cfg->nchecks;
	loop.runs = calloc(loop.nruns, sizeof(*loop.runs));
	loop.wfds = calloc(loop.nruns * CHECK_WAITFD_MAX, sizeof(*loop.wfds));
	loop.wfd_run = calloc(loop.nruns * CHECK_WAITFD_MAX,
	    sizeof(*loop.wfd_run));
	if (loop.runs == NULL || loop.wfds == NULL || loop.wfd_run == NULL) {
		check_results_fail(cfg, results, "out of memory");
		goto done;
	}
	if ((loop.multi = curl_multi_init()) == NULL) {
		check_results_fail(cfg, results, "curl_multi_init failed");
		goto done;
	}

	loop.active = loop.nruns;
	now = util_mono_ms();
	for (i = 0; i < loop.nruns; i++) {
		run = &loop.runs[i];
		run->cfg = &cfg->checks[i];
		run->res = &results[i];
		run->loop = &loop;
		run->ops = run->cfg->type != NULL ? run->cfg->type->ops : NULL;
		run->start_ms = now;
		if (run->ops == NULL)
			check_done(run, CHECK_INTERNAL_ERROR,
			    "unsupported check type %s",
			    check_type_str(run->cfg->type));
	}

	for (i = 0; i < loop.nruns; i++) {
		run = &loop.runs[i];
		run->start_ms = util_mono_ms();
		if (!run->done && run->ops->prepare != NULL)
			run->ops->prepare(run);
	}

	now = util_mono_ms();
	for (i = 0; i < loop.nruns; i++) {
		run = &loop.runs[i];
		if (run->done)
			continue;
		run->start_ms = now;
		run->deadline_ms = now + run->cfg->timeout_ms;
		run->ops->start(run);
	}

	check_loop_run(&loop);

done:
	if (loop.runs != NULL)
		for (i = 0; i < loop.nruns; i++)
			if (loop.runs[i].loop != NULL && !loop.runs[i].done)
				check_done(&loop.runs[i], CHECK_INTERNAL_ERROR,
				    "left unfinished (bug)");
	if (loop.multi != NULL)
		curl_multi_cleanup(loop.multi);
	free(loop.wfd_run);
	free(loop.wfds);
	free(loop.runs);

	for (i = 0; i < cfg->nchecks; i++)
		if (!check_outcome_passed(results[i].outcome))
			nfailed++;
	return nfailed;
}
