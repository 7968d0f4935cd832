#include "process_setup.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ctr {

int drop_privileges(uint64_t keep, int cap_last, const char** call) {
  for (int cap = 0; cap <= cap_last; cap++) {
    if (keep & (uint64_t{1} << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
      *call = "prctl(PR_CAPBSET_DROP)";
      return -errno;
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    *call = "prctl(PR_SET_NO_NEW_PRIVS)";
    return -errno;
  }
  return 0;
}

int join_new_session_keyring(const char* name, const char** call) {
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0) {
    *call = "keyctl(KEYCTL_JOIN_SESSION_KEYRING)";
    return -errno;
  }
  return 0;
}

int load_seccomp_filter(const sock_fprog* prog, const char** call) {
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0) {
    *call = "seccomp(SECCOMP_SET_MODE_FILTER)";
    return -errno;
  }
  return 0;
}

int exec_with_path(const char* const* argv, const char* const* envp, const char* path) {
  const char* file = argv[0];
  auto args = const_cast<char* const*>(argv);
  auto env = const_cast<char* const*>(envp);
  if (strchr(file, '/')) {
    execve(file, args, env);
    return -errno;
  }
  int err = ENOENT;
  // The kernel refuses a path of PATH_MAX bytes or more: such a candidate is
  // not cut but counted as ENAMETOOLONG, as execvp does.
  char candidate[PATH_MAX];
  size_t flen = strlen(file);
  for (const char* dir = path; *dir;) {
    const char* end = strchrnul(dir, ':');
    size_t len = static_cast<size_t>(end - dir);
    if (len + 1 + flen < sizeof candidate) {
      memcpy(candidate, dir, len);
      candidate[len] = '/';
      memcpy(candidate + len + 1, file, flen + 1);
      execve(candidate, args, env);
      if (errno != ENOENT && errno != ENOTDIR) err = errno;
    } else {
      err = ENAMETOOLONG;
    }
    dir = *end ? end + 1 : end;
  }
  return -err;
}

}  // namespace ctr
