// Steps shared by a container's first process and by processes exec'd into
// a running container. Async-signal-safe: each returns 0, or -errno with the
// failed call's name in *call.
#pragma once
#include <cstdint>
#include <linux/filter.h>

namespace ctr {

// Drops every capability not in keep from the bounding set, then sets no_new_privs.
int drop_privileges(uint64_t keep, int cap_last, const char** call);

// Joins a new session keyring named name (KEYCTL_JOIN_SESSION_KEYRING, as runc
// does), so the process no longer shares the host root's keys. Before the
// seccomp filter, which refuses keyctl.
int join_new_session_keyring(const char* name, const char** call);

// Loads the prebuilt seccomp filter (seccomp_filter.h); the last step before
// execve, after no_new_privs.
int load_seccomp_filter(const sock_fprog* prog, const char** call);

// execve() with a PATH search done on the stack (execvpe may allocate).
// Returns only on failure, with the errno of the most telling attempt.
int exec_with_path(const char* const* argv, const char* const* envp, const char* path);

}  // namespace ctr
