// rtnetlink requests built in caller-owned stack buffers: no allocation, so
// these calls are safe in a child cloned from a multi-threaded process.
// Every function returns 0 or a negative errno.
#pragma once
#include <cstdint>
#include <sys/types.h>

namespace ctr {

int nl_open();  // NETLINK_ROUTE socket, close-on-exec; -errno on failure

// Creates a veth pair: `host` stays in the caller's namespace, `peer` is made
// directly inside the network namespace of process `peer_ns_pid`.
int nl_create_veth(int sock, const char* host, const char* peer, pid_t peer_ns_pid);
int nl_delete_link(int sock, const char* name);
int nl_link_up(int sock, const char* name);
// Adds addr/prefix (IPv4, network byte order) to the link.
int nl_add_address(int sock, const char* name, uint32_t addr, uint8_t prefix);
// Adds a route to dst/prefix on the link, through gateway when it is non-zero.
int nl_add_route(int sock, const char* name, uint32_t dst, uint8_t prefix, uint32_t gateway);
// Index of the link, or a negative errno (-ENODEV when absent).
int nl_link_index(int sock, const char* name);

}  // namespace ctr
