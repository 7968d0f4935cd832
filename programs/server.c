/*
 * server: a tiny TCP echo-with-greeting server meant to run inside a container.
 *
 *   server [port]          (default port 8080)
 *
 * Listens on 0.0.0.0:port. For each connection it reads one message (up to
 * EOF, a newline, or MAX_MSG bytes), prints who sent it, replies
 * "hello from <hostname>: <msg>" and closes the connection.
 * SIGTERM and SIGINT make it exit with status 0 (it may run as PID 1 of a
 * pid namespace, where signals without a handler are ignored).
 *
 * Setup failures are printed as "server: <call>: <error>" and exit 1.
 * Failures on a single connection are printed the same way, and the server
 * goes on serving the next connection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DEFAULT_PORT 8080
#define MAX_MSG 4096
#define CLIENT_TIMEOUT_SEC 5

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void die(const char *call)
{
	fprintf(stderr, "server: %s: %s\n", call, strerror(errno));
	exit(1);
}

static void warn_call(const char *call)
{
	fprintf(stderr, "server: %s: %s\n", call, strerror(errno));
}

static int parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: accept() must return EINTR */
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		die("sigaction");
	if (sigaction(SIGINT, &sa, NULL) < 0)
		die("sigaction");

	/* A client that goes away early must not kill us with SIGPIPE. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		die("sigaction");
}

/* Read one message: until EOF, a newline, or the buffer is full. */
static ssize_t read_message(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR && !stop_requested)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	/* Keep only the first line, without its line ending. */
	buf[len] = '\0';
	char *nl = strpbrk(buf, "\r\n");
	if (nl != NULL)
		*nl = '\0';
	return (ssize_t)strlen(buf);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR && !stop_requested)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void serve_one(int conn, const struct sockaddr_in *peer, const char *hostname)
{
	char msg[MAX_MSG];
	char reply[MAX_MSG + HOST_NAME_MAX + 64];
	char ip[INET_ADDRSTRLEN];
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_SEC, .tv_usec = 0 };

	if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
		warn_call("setsockopt(SO_RCVTIMEO)");
		return;
	}
	if (setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
		warn_call("setsockopt(SO_SNDTIMEO)");
		return;
	}
	if (inet_ntop(AF_INET, &peer->sin_addr, ip, sizeof ip) == NULL) {
		warn_call("inet_ntop");
		return;
	}
	if (read_message(conn, msg, sizeof msg) < 0) {
		warn_call("read");
		return;
	}

	printf("server: received \"%s\" from %s:%u\n", msg, ip, (unsigned)ntohs(peer->sin_port));
	fflush(stdout);

	int n = snprintf(reply, sizeof reply, "hello from %s: %s\n", hostname, msg);
	if (n < 0) {
		warn_call("snprintf");
		return;
	}
	if ((size_t)n >= sizeof reply)
		n = (int)sizeof reply - 1;
	if (write_all(conn, reply, (size_t)n) < 0)
		warn_call("send");
}

int main(int argc, char **argv)
{
	int port = DEFAULT_PORT;
	char hostname[HOST_NAME_MAX + 1];

	if (argc > 2 || (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
		fprintf(stderr, "usage: server [port]   (default %d)\n", DEFAULT_PORT);
		return argc > 2 ? 2 : 0;
	}
	if (argc == 2) {
		port = parse_port(argv[1]);
		if (port < 0) {
			fprintf(stderr, "server: invalid port \"%s\" (expected 1-65535)\n", argv[1]);
			fprintf(stderr, "usage: server [port]   (default %d)\n", DEFAULT_PORT);
			return 2;
		}
	}

	install_signal_handlers();

	if (gethostname(hostname, sizeof hostname) < 0)
		die("gethostname");
	hostname[sizeof hostname - 1] = '\0';

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");

	int one = 1;
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		die("setsockopt(SO_REUSEADDR)");

	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("bind");
	if (listen(lfd, 16) < 0)
		die("listen");

	printf("server: listening on port %d\n", port);
	fflush(stdout);

	while (!stop_requested) {
		struct sockaddr_in peer;
		socklen_t peerlen = sizeof peer;
		int conn = accept4(lfd, (struct sockaddr *)&peer, &peerlen, SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EINTR)
				continue; /* loop condition checks stop_requested */
			/* Errors that concern only one pending connection. */
			if (errno == ECONNABORTED || errno == EPROTO || errno == ENETDOWN ||
			    errno == ENOPROTOOPT || errno == EHOSTDOWN || errno == ENONET ||
			    errno == EHOSTUNREACH || errno == EOPNOTSUPP || errno == ENETUNREACH) {
				warn_call("accept");
				continue;
			}
			die("accept");
		}
		serve_one(conn, &peer, hostname);
		if (close(conn) < 0)
			warn_call("close");
	}

	printf("server: shutting down\n");
	fflush(stdout);
	if (close(lfd) < 0)
		die("close");
	return 0;
}
