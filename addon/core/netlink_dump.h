// Reading a network namespace's links, addresses and routes over rtnetlink, from any process:
// a socket made inside the namespace answers for it wherever it is used. Parent side only
// (allocates): never call this in a cloned child.
#pragma once
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ctr {

// A NETLINK_ROUTE socket in the network namespace of process pid (0: this process's). A short-lived
// thread joins the namespace (setns of a net namespace is allowed in a multi-threaded process),
// makes the socket and ends, so no thread of the caller is left in another namespace.
// Returns the fd or -errno; *call names the call that failed.
int nl_open_in_netns(pid_t pid, const char** call);

// Sends an RTM_GET* dump request (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE) and collects every
// message of the answer, each whole (its nlmsghdr first). Returns 0 or -errno.
int nl_dump(int sock, uint16_t type, std::vector<std::string>* messages);

}  // namespace ctr
