// Everything a container's first process needs, prepared by the parent before
// clone(): the child only reads this, so it never has to allocate.
#pragma once
#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace ctr {

struct BindMount {
  const char* source;  // host path
  const char* target;  // path inside the rootfs, relative (no leading '/')
  bool readonly;
};

struct NetPlan {
  bool enabled;
  const char* ifname;   // the container's end, already moved into its namespace
  uint32_t addr;        // network byte order
  uint8_t prefix;
  uint32_t gateway;     // the host's end, network byte order
};

enum class Console { Inherit, Pty };

// The container's own cgroup, read-only at /sys/fs/cgroup (its cgroup namespace roots it there).
// Paths are relative to the rootfs; lists are NULL-terminated.
struct CgroupView {
  int version;                // 0: none; 1: a tmpfs with one hierarchy per directory; 2: cgroup2 itself
  const char* const* dirs;    // v1: "sys/fs/cgroup/memory", ...
  const char* const* options; // v1, with dirs: the hierarchy's controllers, "memory", "cpu,cpuacct"
  const char* const* links;   // v1: pairs target, link: "cpu,cpuacct", "sys/fs/cgroup/cpu"
};

struct SpawnPlan {
  const char* rootfs;              // absolute host path
  const char* hostname;
  const char* const* argv;         // NULL-terminated
  const char* const* envp;         // NULL-terminated
  const char* path;                // PATH used to find argv[0]
  const BindMount* mounts;
  size_t mount_count;
  NetPlan net;
  Console console;
  int stdio[3];                    // Inherit: fds to become 0, 1, 2 (-1 keeps the parent's)
  uint64_t keep_caps;              // bit n set: keep capability n
  int cap_last;                    // /proc/sys/kernel/cap_last_cap
  int clone_flags;                 // CLONE_NEW* flags
  const char* session_keyring;     // the name of the new session keyring it joins
  bool birth_trace;                // record each step (birth_trace.h)
  CgroupView cgroup_view;
};

}  // namespace ctr
