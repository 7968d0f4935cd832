/*
 * client: sends one message to the server and prints its reply.
 *
 *   client <ip> <port> [message]     (default message "hello")
 *
 * Exit status: 0 on success, 1 on a network failure (one line on stderr),
 * 2 on a usage error. Connecting and waiting for the reply each time out
 * after TIMEOUT_SEC seconds, so the client never hangs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TIMEOUT_SEC 5
#define MAX_REPLY 8192

static const char *target_ip;
static int target_port;

static void usage(void)
{
	fprintf(stderr, "usage: client <ip> <port> [message]   (default message \"hello\")\n");
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

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		usage();

	target_ip = argv[1];
	target_port = parse_port(argv[2]);
	const char *message = argc == 4 ? argv[3] : "hello";

	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, target_ip, &addr.sin_addr) != 1) {
		fprintf(stderr, "client: invalid IPv4 address \"%s\"\n", target_ip);
		usage();
	}
	if (target_port < 0) {
		fprintf(stderr, "client: invalid port \"%s\" (expected 1-65535)\n", argv[2]);
		usage();
	}
	addr.sin_port = htons((uint16_t)target_port);

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fail("signal for");

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket for");

	struct timeval tv = { .tv_sec = TIMEOUT_SEC, .tv_usec = 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		fail("setsockopt for");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
		fail("setsockopt for");

	connect_with_timeout(fd, &addr);

	/* Send the message, newline-terminated, then signal end of message. */
	size_t mlen = strlen(message);
	char *out = malloc(mlen + 2);
	if (out == NULL)
		fail("malloc for");
	memcpy(out, message, mlen);
	out[mlen] = '\n';
	size_t left = mlen + 1;
	const char *p = out;
	while (left > 0) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("cannot send to");
		}
		p += n;
		left -= (size_t)n;
	}
	free(out);
	if (shutdown(fd, SHUT_WR) < 0)
		fail("shutdown for");

	/* Read the reply until the server closes the connection. */
	char reply[MAX_REPLY];
	size_t len = 0;
	while (len < sizeof reply - 1) {
		ssize_t n = read(fd, reply + len, sizeof reply - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				fail_msg("no reply from", "timed out");
			fail("cannot read reply from");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	reply[len] = '\0';
	while (len > 0 && (reply[len - 1] == '\n' || reply[len - 1] == '\r'))
		reply[--len] = '\0';

	if (close(fd) < 0)
		fail("close for");

	if (len == 0)
		fail_msg("empty reply from", "connection closed");

	printf("client: reply: %s\n", reply);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "client: stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
