/*
 * client: the seed's TCP client.
 *
 *   client [--message TEXT] [--count N] [--interval MS] <ip> <port>
 *
 * As the seed's client did, it connects to the server and sends
 * "Hello, server!" every second, printing each reply line the server sends
 * back, until it is killed. The options are for scripts and tests:
 *   --message TEXT   send TEXT instead (one line: no newline in it)
 *   --count N        send N messages, then exit 0 (default 0: until killed)
 *   --interval MS    wait MS milliseconds between messages (default 1000)
 *
 * Exit status: 0 after --count messages (or on SIGTERM/SIGINT), 1 on a
 * network failure or when the server hangs up (one line on stderr), 2 on a
 * usage error. Connecting and waiting for each reply each time out after
 * TIMEOUT_SEC seconds, so the client never hangs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_SEC 5
#define MAX_REPLY 8192
#define DEFAULT_MESSAGE "Hello, server!"
#define DEFAULT_INTERVAL_MS 1000

static const char *target_ip;
static int target_port;
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

#define SYNOPSIS "usage: client [--message TEXT] [--count N] [--interval MS] <ip> <port>\n"

static void usage(FILE *to)
{
	fprintf(to, SYNOPSIS
		    "  sends \"" DEFAULT_MESSAGE "\" every second and prints each reply, until killed\n"
		    "  --message TEXT   send TEXT instead (one line)\n"
		    "  --count N        send N messages, then exit (default 0: until killed)\n"
		    "  --interval MS    milliseconds between messages (default %d)\n",
		DEFAULT_INTERVAL_MS);
}

/* What is wrong, then the synopsis; exit status 2. */
_Noreturn static void usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "client: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n" SYNOPSIS);
	exit(2);
}

static void fail(const char *what)
{
	fprintf(stderr, "client: %s %s:%d: %s\n", what, target_ip, target_port, strerror(errno));
	exit(1);
}

static void fail_msg(const char *what, const char *why)
{
	fprintf(stderr, "client: %s %s:%d: %s\n", what, target_ip, target_port, why);
	exit(1);
}

/* After a call that SIGTERM or SIGINT interrupted: that ends the client. */
static void exit_if_stopped(void)
{
	if (stop_requested)
		exit(0);
}

/* A whole number in [min, max], or -1. */
static long parse_number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked call returns EINTR */
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
		fprintf(stderr, "client: sigaction: %s\n", strerror(errno));
		exit(1);
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0) {
		fprintf(stderr, "client: sigaction: %s\n", strerror(errno));
		exit(1);
	}
}

/* Non-blocking connect bounded by TIMEOUT_SEC, then back to blocking mode. */
static void connect_with_timeout(int fd, const struct sockaddr_in *addr)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		fail("fcntl for");
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		fail("fcntl for");

	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0) {
		if (errno != EINPROGRESS)
			fail("cannot connect to");

		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int n;
		do {
			n = poll(&pfd, 1, TIMEOUT_SEC * 1000);
			if (n < 0 && errno == EINTR)
				exit_if_stopped();
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			fail("poll while connecting to");
		if (n == 0)
			fail_msg("cannot connect to", "timed out");

		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			fail("getsockopt while connecting to");
		if (err != 0) {
			errno = err;
			fail("cannot connect to");
		}
	}

	if (fcntl(fd, F_SETFL, flags) < 0)
		fail("fcntl for");
}

static void send_all(int fd, const char *p, size_t left)
{
	while (left > 0) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				exit_if_stopped();
				continue;
			}
			fail("cannot send to");
		}
		p += n;
		left -= (size_t)n;
	}
}

/*
 * Reads one reply line into reply (without its line ending), keeping what
 * came after it in *have for the next call.
 */
static void read_reply(int fd, char *buf, size_t *have, char *reply)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *have);
		if (nl != NULL || *have == MAX_REPLY) {
			size_t len = nl != NULL ? (size_t)(nl - buf) : *have;
			size_t used = nl != NULL ? len + 1 : len;
			memcpy(reply, buf, len);
			if (len > 0 && reply[len - 1] == '\r')
				len--;
			reply[len] = '\0';
			memmove(buf, buf + used, *have - used);
			*have -= used;
			return;
		}
		ssize_t n = read(fd, buf + *have, MAX_REPLY - *have);
		if (n < 0) {
			if (errno == EINTR) {
				exit_if_stopped();
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				fail_msg("no reply from", "timed out");
			fail("cannot read the reply from");
		}
		if (n == 0)
			fail_msg("the connection was closed by", "no reply");
		*have += (size_t)n;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		exit_if_stopped();
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *message = DEFAULT_MESSAGE;
	long count = 0;
	long interval_ms = DEFAULT_INTERVAL_MS;
	int opt;

	opterr = 0; /* its messages are ours, below */
	while ((opt = getopt_long(argc, argv, ":m:c:i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			message = optarg;
			if (strpbrk(message, "\r\n") != NULL)
				usage_error("the message must be one line: \"%s\" has a line break", message);
			break;
		case 'c':
			count = parse_number(optarg, 0, 1000000000L);
			if (count < 0)
				usage_error("invalid --count \"%s\" (expected a whole number, 0 for no end)", optarg);
			break;
		case 'i':
			interval_ms = parse_number(optarg, 0, 24L * 3600 * 1000);
			if (interval_ms < 0)
				usage_error("invalid --interval \"%s\" (expected milliseconds, at most a day)", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default: {
			/* A short option is named by optopt; a long one only by its argv entry. */
			char short_option[3] = { '-', (char)optopt, '\0' };
			usage_error("unknown option '%s'", optopt != 0 ? short_option : argv[optind - 1]);
		}
		}
	}
	if (argc - optind != 2)
		usage_error("%s", argc - optind < 2 ? "give the server's <ip> and <port>" : "too many arguments: only <ip> and <port>");

	target_ip = argv[optind];
	target_port = (int)parse_number(argv[optind + 1], 1, 65535);

	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, target_ip, &addr.sin_addr) != 1)
		usage_error("invalid IPv4 address \"%s\"", target_ip);
	if (target_port < 0)
		usage_error("invalid port \"%s\" (expected 1-65535)", argv[optind + 1]);
	addr.sin_port = htons((uint16_t)target_port);

	if (setvbuf(stdout, NULL, _IOLBF, 0) != 0) {
		fprintf(stderr, "client: setvbuf: %s\n", strerror(errno));
		return 1;
	}
	install_signal_handlers();

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket for");

	struct timeval tv = { .tv_sec = TIMEOUT_SEC, .tv_usec = 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		fail("setsockopt for");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
		fail("setsockopt for");

	connect_with_timeout(fd, &addr);

	size_t mlen = strlen(message);
	char *line = malloc(mlen + 2);
	char *buf = malloc(MAX_REPLY);
	char *reply = malloc(MAX_REPLY + 1);
	if (line == NULL || buf == NULL || reply == NULL)
		fail("malloc for");
	memcpy(line, message, mlen);
	line[mlen] = '\n';
	size_t have = 0;

	for (long sent = 1; ; sent++) {
		send_all(fd, line, mlen + 1);
		read_reply(fd, buf, &have, reply);
		if (printf("%s\n", reply) < 0) {
			fprintf(stderr, "client: stdout: %s\n", strerror(errno));
			return 1;
		}
		if (count != 0 && sent >= count)
			break;
		exit_if_stopped();
		sleep_ms(interval_ms);
	}

	free(line);
	free(buf);
	free(reply);
	if (close(fd) < 0)
		fail("close for");
	return 0;
}
