// Passing one file descriptor over a unix socket (SCM_RIGHTS), with stack
// buffers only, so the sender may be a freshly cloned child.
#pragma once

namespace ctr {

// Returns 0 or -errno.
int send_fd(int sock, int fd);
// Returns the received fd (close-on-exec), or -errno: -EPIPE when the peer closed
// without sending, -EPROTO when its message held no fd.
int receive_fd(int sock);

}  // namespace ctr
