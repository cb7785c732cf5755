/*
 * fakehttp.h: the one small HTTP server of the unit tests.
 *
 * It serves a listening socket on 127.0.0.1 from a forked process in a
 * process group of its own: each connection gets a child that reads the
 * request (the headers, then a body up to its Content-Length; a TLS
 * ClientHello, first byte 0x16, is answered at once, as it is read), hands
 * it to the test's handler, and closes politely (shutdown, then the
 * client's data drained for up to 2 s), so that the client sees the answer
 * and a FIN, never an RST.  A handler may write anything: an HTTP answer
 * (fakehttp_reply), bytes that are not HTTP, nothing (fakehttp_hang), or
 * sleep.  The server dies with the test program (PR_SET_PDEATHSIG) if
 * fakehttp_stop is never reached.
 *
 * Nothing here allocates in the caller's process; errors are -1 with errno
 * set, for the test to report (ok(0, ...)).
 */
#ifndef FAKEHTTP_H
#define FAKEHTTP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct fakehttp_req {
	const char	*raw;		/* the request as read, NUL-terminated */
	size_t		 len;
	char		 method[16];	/* "" when there is no request line */
	char		 path[256];	/* the request target, or "" */
};

/* Answer one request on fd (the child closes fd after it returns). */
typedef void	fakehttp_fn(int fd, const struct fakehttp_req *req,
		    void *arg);

struct fakehttp {
	uint16_t	 port;		/* where it listens (fakehttp_start) */
	pid_t		 pid;		/* the server, leader of its group */
	fakehttp_fn	*fn;
	void		*arg;
	const void	*canned;	/* fakehttp_start_canned's answer */
	size_t		 cannedlen;
};

/*
 * A TCP socket bound to 127.0.0.1 on an ephemeral port (in *port),
 * listening with backlog when backlog >= 0 (bound only otherwise: a port
 * that refuses connections).  The caller closes it.  -1 on error.
 */
int	fakehttp_socket(uint16_t *port, int backlog);

/*
 * Serve 127.0.0.1 on an ephemeral port (fh->port) with fn(fd, req, arg)
 * for each request.  arg is read in the server's copy of the caller's
 * memory: what the test changes after the start is not seen.  -1 on error.
 */
int	fakehttp_start(struct fakehttp *fh, fakehttp_fn *fn, void *arg);

/*
 * The same on lfd, a listening socket the caller made (another address);
 * the caller still owns lfd and may close it once this returns.
 */
int	fakehttp_start_fd(struct fakehttp *fh, int lfd, fakehttp_fn *fn,
	    void *arg);

/*
 * Answer every connection with the same len bytes (any bytes: an HTTP
 * answer written out in full, or not HTTP at all).  answer must stay
 * valid until fakehttp_start_canned returns (the server has its copy).
 */
int	fakehttp_start_canned(struct fakehttp *fh, const void *answer,
	    size_t len);

/* Kill the server and every connection it serves (SIGKILL), reap it. */
void	fakehttp_stop(struct fakehttp *fh);

/*
 * Write "HTTP/1.1 STATUS" (e.g. "200 OK"), Content-Length: len,
 * Connection: close, then headers (NULL, or lines each ending in CRLF),
 * then len bytes of body.  0, or -1 if the client went away.
 */
int	fakehttp_reply(int fd, const char *status, const char *headers,
	    const void *body, size_t len);

/* Answer nothing: wait until the client gives up and closes. */
void	fakehttp_hang(int fd);

#endif /* FAKEHTTP_H */
