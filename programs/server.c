/*
 * server: the seed's TCP server, meant to run inside a container.
 *
 *   server [--verbose] [port]          (default port 8080)
 *
 * Listens on 0.0.0.0:port and prints what the seed's server printed:
 * "Listening on port N", then "Connection accepted" for each client, and
 * "Here is the message: TEXT" for each message a client sends: a line, or
 * what came without a newline once nothing more is waiting (the seed's
 * server took what each read() gave as one message). It replies to each
 * message with one line, "Hello from HOSTNAME, I got your message: TEXT",
 * so a client can tell which container answered. It serves several clients
 * at once, each until it hangs up (one process, ppoll()).
 *
 * --verbose also prints "server: connection from IP:PORT", "server: IP:PORT
 * hung up" and, on SIGTERM or SIGINT, "server: shutting down".
 * SIGTERM and SIGINT make it exit with status 0 (it may run as PID 1 of a
 * pid namespace, where signals without a handler are ignored).
 *
 * Setup failures are printed as "server: <call>: <error>" and exit 1; usage
 * errors exit 2. A failure on one connection is printed the same way and
 * closes that connection only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT 8080
#define MAX_MSG 4096
#define MAX_CLIENTS 64

struct client {
	int fd;
	char peer[INET_ADDRSTRLEN + 8]; /* "IP:PORT" */
	size_t len;                      /* bytes of an unfinished line in buf */
	char buf[MAX_MSG];
};

static volatile sig_atomic_t stop_requested;
static int verbose;
static char hostname[HOST_NAME_MAX + 1];
static struct client clients[MAX_CLIENTS];
static int nclients;

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

static void usage(FILE *to)
{
	fprintf(to, "usage: server [--verbose] [port]   (default port %d)\n", DEFAULT_PORT);
}

/* What is wrong, then the usage line; exit status 2. */
_Noreturn static void usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "server: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(2);
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

/*
 * SIGTERM and SIGINT are blocked except inside ppoll(), so a signal can
 * never arrive between the check of stop_requested and the wait.
 */
static void install_signal_handlers(sigset_t *wait_mask)
{
	struct sigaction sa;
	sigset_t stop_signals;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		die("sigaction(SIGTERM)");
	if (sigaction(SIGINT, &sa, NULL) < 0)
		die("sigaction(SIGINT)");

	/* A client that goes away early must not kill us with SIGPIPE. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		die("sigaction(SIGPIPE)");

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop_signals, wait_mask) < 0)
		die("sigprocmask");
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
}

static void drop_client(int i, const char *why)
{
	struct client *c = &clients[i];

	if (why != NULL)
		fprintf(stderr, "server: %s: %s\n", c->peer, why);
	else if (verbose)
		printf("server: %s hung up\n", c->peer);
	if (close(c->fd) < 0)
		fprintf(stderr, "server: close %s: %s\n", c->peer, strerror(errno));
	clients[i] = clients[--nclients];
}

static void accept_client(int lfd)
{
	struct sockaddr_in peer;
	socklen_t peerlen = sizeof peer;
	int fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char ip[INET_ADDRSTRLEN];

	if (fd < 0) {
		/* Gone already, or an error that concerns only that connection. */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED ||
		    errno == EPROTO || errno == ENETDOWN || errno == ENOPROTOOPT || errno == EHOSTDOWN ||
		    errno == ENONET || errno == EHOSTUNREACH || errno == EOPNOTSUPP || errno == ENETUNREACH) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				fprintf(stderr, "server: accept: %s\n", strerror(errno));
			return;
		}
		die("accept");
	}
	if (inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip) == NULL)
		die("inet_ntop");

	struct client *c = &clients[nclients++];
	c->fd = fd;
	c->len = 0;
	snprintf(c->peer, sizeof c->peer, "%s:%u", ip, (unsigned)ntohs(peer.sin_port));

	printf("Connection accepted\n");
	if (verbose)
		printf("server: connection from %s\n", c->peer);
}

/* Prints one message and replies to it; -1 (and a reason) if the client must go. */
static int answer(struct client *c, const char *msg, size_t len, const char **why)
{
	char reply[MAX_MSG + HOST_NAME_MAX + 64];
	int n;

	printf("Here is the message: %.*s\n", (int)len, msg);
	n = snprintf(reply, sizeof reply, "Hello from %s, I got your message: %.*s\n", hostname, (int)len, msg);
	if (n < 0 || (size_t)n >= sizeof reply) {
		*why = "reply too long";
		return -1;
	}

	/* A reply is small: if it does not fit the socket, the client is not reading. */
	const char *p = reply;
	size_t left = (size_t)n;
	while (left > 0) {
		ssize_t sent = send(c->fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			*why = (errno == EAGAIN || errno == EWOULDBLOCK) ? "does not read its replies: dropped" : strerror(errno);
			return -1;
		}
		p += sent;
		left -= (size_t)sent;
	}
	return 0;
}

/* Reads what client i sent and answers every whole line; drops it on EOF or error. */
static void serve_client(int i)
{
	struct client *c = &clients[i];
	const char *why = NULL;

	for (;;) {
		ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Nothing more waiting: the bytes without a newline are a message too. */
				if (c->len > 0 && answer(c, c->buf, c->len, &why) < 0) {
					drop_client(i, why);
					return;
				}
				c->len = 0;
				return;
			}
			drop_client(i, strerror(errno));
			return;
		}
		if (n == 0) {
			/* What came after the last newline is a message too. */
			if (c->len > 0 && answer(c, c->buf, c->len, &why) < 0) {
				drop_client(i, why);
				return;
			}
			drop_client(i, NULL);
			return;
		}
		c->len += (size_t)n;

		size_t start = 0;
		char *nl;
		while ((nl = memchr(c->buf + start, '\n', c->len - start)) != NULL) {
			size_t end = (size_t)(nl - c->buf);
			size_t mlen = end - start;
			if (mlen > 0 && c->buf[end - 1] == '\r')
				mlen--;
			if (answer(c, c->buf + start, mlen, &why) < 0) {
				drop_client(i, why);
				return;
			}
			start = end + 1;
		}
		memmove(c->buf, c->buf + start, c->len - start);
		c->len -= start;
		/* A line longer than the buffer: answer what there is of it. */
		if (c->len == sizeof c->buf) {
			if (answer(c, c->buf, c->len, &why) < 0) {
				drop_client(i, why);
				return;
			}
			c->len = 0;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int port = DEFAULT_PORT;
	int opt;
	sigset_t wait_mask;

	opterr = 0; /* its messages are ours, below */
	while ((opt = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default: {
			/* A short option is named by optopt; a long one only by its argv entry. */
			char short_option[3] = { '-', (char)optopt, '\0' };
			usage_error("unknown option '%s'", optopt != 0 ? short_option : argv[optind - 1]);
		}
		}
	}
	if (argc - optind > 1)
		usage_error("%s", "too many arguments: only a port");
	if (argc - optind == 1) {
		port = parse_port(argv[optind]);
		if (port < 0)
			usage_error("invalid port \"%s\" (expected 1-65535)", argv[optind]);
	}

	/* Each line is watched live, through a pipe as often as on a terminal. */
	if (setvbuf(stdout, NULL, _IOLBF, 0) != 0)
		die("setvbuf");
	install_signal_handlers(&wait_mask);

	if (gethostname(hostname, sizeof hostname) < 0)
		die("gethostname");
	hostname[sizeof hostname - 1] = '\0';

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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

	printf("Listening on port %d\n", port);

	while (!stop_requested) {
		struct pollfd pfds[MAX_CLIENTS + 1];
		int n = nclients;

		for (int i = 0; i < n; i++)
			pfds[i] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
		/* When full, new clients wait in the backlog until one hangs up. */
		pfds[n] = (struct pollfd){ .fd = nclients < MAX_CLIENTS ? lfd : -1, .events = POLLIN };

		if (ppoll(pfds, (nfds_t)n + 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue; /* the loop condition checks stop_requested */
			die("ppoll");
		}
		/* From the last: drop_client() moves the last client into the freed slot. */
		for (int i = n - 1; i >= 0; i--)
			if (pfds[i].revents != 0)
				serve_client(i);
		if (pfds[n].revents != 0)
			accept_client(lfd);
	}

	if (verbose)
		printf("server: shutting down\n");
	for (int i = 0; i < nclients; i++)
		if (close(clients[i].fd) < 0)
			fprintf(stderr, "server: close %s: %s\n", clients[i].peer, strerror(errno));
	if (close(lfd) < 0)
		die("close");
	return 0;
}
