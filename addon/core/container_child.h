// The code that runs in the cloned child, between clone() and execve().
// Async-signal-safe only: syscalls and the stack, never malloc.
#pragma once
#include <linux/filter.h>

#include "birth_trace.h"
#include "spawn_plan.h"

namespace ctr {

struct ChildFds {
  int sync_fd;      // read end: one byte means go on, EOF means give up
  int error_fd;     // write end, close-on-exec
  int console_fd;   // socket to send the pty master on, or -1
  TraceBuffer* trace;  // shared with the parent, or nullptr
};

// seccomp: the prebuilt filter (seccomp_filter.h), loaded just before execve.
[[noreturn]] void container_child(const SpawnPlan& plan, const ChildFds& fds, const sock_fprog* seccomp);

}  // namespace ctr
