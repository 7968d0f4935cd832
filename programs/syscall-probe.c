/*
 * syscall-probe: tries system calls a container's confinement should refuse,
 * each with harmless arguments that an unconfined process gets through, and
 * prints one line per call: "NAME ok" or "NAME ERRNO" (e.g. "keyctl EPERM").
 *
 *   syscall-probe NAME[:ARG]...
 *
 * Names: keyctl, add_key:DESCRIPTION, unshare-user, unshare-mount,
 * clone-newuser, clone3, name_to_handle_at, process_vm_readv, kcmp,
 * get_mempolicy, io_uring_setup, userfaultfd, mount, pivot_root.
 * Used by test/confinement.test.ts, inside containers and on the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

/* A forked child that made a namespace just exits. */
static long reap(long pid) {
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  return pid < 0 ? -1 : 0;
}

/* unshare in a child, so that this process stays where it was; its errno comes back as the exit code. */
static long unshare_in_child(int flags) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) _exit(unshare(flags) == 0 ? 0 : errno);
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  if (!WIFEXITED(status)) {
    errno = EINTR;
    return -1;
  }
  errno = WEXITSTATUS(status);
  return errno == 0 ? 0 : -1;
}

static long close_fd(long fd) {
  if (fd >= 0) close((int)fd);
  return fd < 0 ? -1 : 0;
}

static long probe(const char *name, const char *arg) {
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (!strcmp(name, "add_key")) {
    const char *desc = arg ? arg : "syscall-probe";
    return syscall(SYS_add_key, "user", desc, "probe", 5, KEY_SPEC_SESSION_KEYRING);
  }
  if (!strcmp(name, "unshare-user")) return unshare_in_child(CLONE_NEWUSER);
  if (!strcmp(name, "unshare-mount")) return unshare_in_child(CLONE_NEWNS);
  if (!strcmp(name, "clone-newuser")) return reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL));
  if (!strcmp(name, "clone3")) return syscall(SYS_clone3, NULL, 0); /* unconfined: EFAULT or EINVAL */
  if (!strcmp(name, "name_to_handle_at")) {
    char buf[sizeof(struct file_handle) + 128];
    struct file_handle *fh = (struct file_handle *)buf;
    int mount_id;
    fh->handle_bytes = 128;
    return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", fh, &mount_id, 0);
  }
  if (!strcmp(name, "process_vm_readv")) {
    char from[8] = "probe", to[8];
    struct iovec local = {to, sizeof to}, remote = {from, sizeof from};
    return syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0);
  }
  if (!strcmp(name, "kcmp")) return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0);
  if (!strcmp(name, "get_mempolicy")) {
    int mode;
    return syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0);
  }
  if (!strcmp(name, "io_uring_setup")) {
    char params[120] = {0}; /* struct io_uring_params */
    return close_fd(syscall(SYS_io_uring_setup, 1, params));
  }
  if (!strcmp(name, "userfaultfd")) return close_fd(syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
  if (!strcmp(name, "mount")) return mount("probe", "/nonexistent", "tmpfs", 0, NULL); /* unconfined root: ENOENT */
  if (!strcmp(name, "pivot_root")) return syscall(SYS_pivot_root, "/nonexistent", "/nonexistent"); /* root: ENOENT */
  fprintf(stderr, "syscall-probe: unknown name %s\n", name);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: syscall-probe NAME[:ARG]...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    char *name = argv[i], *arg = strchr(name, ':');
    if (arg) *arg++ = '\0';
    errno = 0;
    long rc = probe(name, arg);
    if (rc >= 0) printf("%s ok\n", name);
    else printf("%s %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "unknown");
    fflush(stdout);
  }
  return 0;
}
