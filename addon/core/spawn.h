// Starting a container's first process: clone() into new namespaces, hold it
// until the parent has placed it (cgroup, veth), then let it set itself up
// and exec. The same code serves the Node addon and the native monitor.
#pragma once
#include <string>

#include "birth_trace.h"
#include "spawn_plan.h"
#include "step_error.h"

namespace ctr {

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;
  int sync_fd = -1;      // parent writes one byte here to let the child go on
  int error_fd = -1;     // child reports a StepError here; EOF means exec succeeded
  int console_fd = -1;   // Console::Pty: the child sends the pty master here
  TraceBuffer* trace = nullptr;  // plan.birth_trace: the child's steps
  int clone_flags = 0;
  int64_t clone_start_ns = 0, clone_end_ns = 0, exec_seen_ns = 0;
};

// Clones the child, which waits. Returns 0, or -errno with *err filled in.
int spawn_container(const SpawnPlan& plan, Spawned* out, StepError* err);

// Lets the child go on and waits until it has exec'd (returns 0) or failed
// (returns -1 with *err filled in). With Console::Pty, *pty_master gets the
// pty master. Closes the sync, error and console fds in every case.
int release_container(Spawned* s, int* pty_master, StepError* err);

// Closes the fds and kills the child (used when placing it failed).
void abort_container(Spawned* s);

// After a successful release: the birth trace as text (birth_trace.h), "" when it was off; frees it.
std::string take_birth_trace(Spawned* s);

}  // namespace ctr
