// Who is in a cgroup right now: each process's pid on the host and inside
// its pid namespace. Read by the reactor thread the moment a cgroup's OOM
// notifier fires, before the kernel has picked and killed its victim, so the
// victim's pid inside the container is known even when JavaScript is busy.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace ctr {

// (host pid, pid inside) for every pid listed in the given cgroup.procs
// files; a process that is gone before its status is read is left out.
std::vector<std::pair<int, int>> snapshot_pids(const std::vector<std::string>& procs_files);

// Reads and discards whatever is readable on a non-blocking fd. Returns 0, or
// the errno of a read that failed otherwise than with EAGAIN.
int drain_fd(int fd);

}  // namespace ctr
