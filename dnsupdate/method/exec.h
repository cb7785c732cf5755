/*
 * exec.h: the [exec] section, as exec.c reads it at load (its
 * descriptor table); cfg->method_conf holds it when [dns] method = exec.
 */
#ifndef FA_METHOD_EXEC_H
#define FA_METHOD_EXEC_H

#include <stdint.h>

/* [exec] (method = exec): a program run once per zone with changes. */
struct cfg_exec {
	int	 line;			/* of [exec]; 0 when absent */
	char	*program;		/* absolute path */
	int64_t	 timeout_ms;		/* default 30s */
};

#endif
