/*
 * fakehttp.c: the one small HTTP server of the unit tests (fakehttp.h).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t/unit/fakehttp.h"

#define FAKEHTTP_REQ_MAX	65536

int
fakehttp_socket(uint16_t *port, int backlog)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1 ||
	    (backlog >= 0 && listen(fd, backlog) == -1)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * Read the request into buf: the headers, then the body up to its
 * Content-Length; a TLS ClientHello or an early EOF ends it as it is.
 */
static size_t
read_request(int fd, char *buf, size_t cap)
{
	size_t	 len = 0, want = 0;
	ssize_t	 n;
	char	*end, *cl;

	while (len < cap - 1) {
		if ((n = read(fd, buf + len, cap - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((unsigned char)buf[0] == 0x16)
			break;
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			want = (size_t)(end + 4 - buf) +
			    (cl != NULL && cl < end ? strtoul(cl + 17, NULL,
			    10) : 0);
		}
		if (len >= want)
			break;
	}
	buf[len] = '\0';
	return len;
}

/* One connection, in a child of its own: read, answer, close politely. */
static void __attribute__((noreturn))
serve_one(struct fakehttp *fh, int c)
{
	static char		 buf[FAKEHTTP_REQ_MAX];
	struct fakehttp_req	 req;
	struct timeval		 tv = { 2, 0 };

	memset(&req, 0, sizeof(req));
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req.len = read_request(c, buf, sizeof(buf));
	req.raw = buf;
	if (sscanf(buf, "%15s %255s", req.method, req.path) != 2)
		req.method[0] = req.path[0] = '\0';
	fh->fn(c, &req, fh->arg);
	/* A FIN after the answer, not an RST for unread data. */
	shutdown(c, SHUT_WR);
	while (read(c, buf, sizeof(buf)) > 0)
		;
	close(c);
	_exit(0);
}

int
fakehttp_start_fd(struct fakehttp *fh, int lfd, fakehttp_fn *fn, void *arg)
{
	pid_t	parent = getpid();
	int	c;

	fh->fn = fn;
	fh->arg = arg;
	if ((fh->pid = fork()) == -1)
		return -1;
	if (fh->pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);		/* the test is gone already */
		signal(SIGCHLD, SIG_IGN);	/* no zombies */
		signal(SIGPIPE, SIG_DFL);	/* a client gone: that child ends */
		signal(SIGTERM, SIG_DFL);
		for (;;) {
			if ((c = accept(lfd, NULL, NULL)) == -1) {
				if (errno == EINTR || errno == ECONNABORTED)
					continue;
				_exit(1);	/* lfd is not a listener */
			}
			if (fork() == 0) {
				close(lfd);
				serve_one(fh, c);
			}
			close(c);
		}
	}
	setpgid(fh->pid, fh->pid);
	return 0;
}

int
fakehttp_start(struct fakehttp *fh, fakehttp_fn *fn, void *arg)
{
	int	lfd, rc;

	memset(fh, 0, sizeof(*fh));
	if ((lfd = fakehttp_socket(&fh->port, 16)) == -1)
		return -1;
	rc = fakehttp_start_fd(fh, lfd, fn, arg);
	close(lfd);
	return rc;
}

static void
canned(int fd, const struct fakehttp_req *req, void *arg)
{
	const struct fakehttp	*fh = arg;

	(void)req;
	if (write(fd, fh->canned, fh->cannedlen) == -1) {
		/* the client went away: its problem */
	}
}

int
fakehttp_start_canned(struct fakehttp *fh, const void *answer, size_t len)
{
	int	lfd, rc;

	memset(fh, 0, sizeof(*fh));
	fh->canned = answer;
	fh->cannedlen = len;
	if ((lfd = fakehttp_socket(&fh->port, 16)) == -1)
		return -1;
	rc = fakehttp_start_fd(fh, lfd, canned, fh);
	close(lfd);
	return rc;
}

void
fakehttp_stop(struct fakehttp *fh)
{
	if (fh->pid <= 0)
		return;
	kill(-fh->pid, SIGKILL);
	kill(fh->pid, SIGKILL);
	while (waitpid(fh->pid, NULL, 0) == -1 && errno == EINTR)
		;
	fh->pid = 0;
}

static int
write_all(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fakehttp_reply(int fd, const char *status, const char *headers,
    const void *body, size_t len)
{
	char	head[1024];
	int	n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Length: %zu"
	    "\r\nConnection: close\r\n%s\r\n", status, len,
	    headers != NULL ? headers : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (write_all(fd, head, (size_t)n) == -1)
		return -1;
	return write_all(fd, body, len);
}

void
fakehttp_hang(int fd)
{
	struct pollfd	pfd;
	char		buf[4096];

	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (read(fd, buf, sizeof(buf)) <= 0)
			return;
	}
}
