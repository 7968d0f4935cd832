// Who is in a cgroup right now: each process's pid on the host and inside
// its pid namespace. Read by the reactor thread the moment a cgroup's OOM
// notifier fires, before the kernel has picked and killed its victim, so the
// victim's pid inside the container is known even when JavaScript is busy.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace ctr {

struct SnapshotFailure {
  std::string call;
  std::string path;
  int err = 0;  // 0: no failure
};

// (host pid, pid inside) for every pid listed in the given cgroup.procs
// files; a process (or cgroup) that is gone before it is read is left out.
// Any other failed open or read stops it, with *failure filled in.
std::vector<std::pair<int, int>> snapshot_pids(const std::vector<std::string>& procs_files, SnapshotFailure* failure);

// Reads and discards whatever is readable on a non-blocking fd. Returns 0, or
// the errno of a read that failed otherwise than with EAGAIN.
int drain_fd(int fd);

}  // namespace ctr
