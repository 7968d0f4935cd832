#include "spawn.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <initializer_list>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_child.h"
#include "fd_passing.h"
#include "seccomp_filter.h"

namespace ctr {
namespace {

void close_fd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int set_error(StepError* err, const char* call, int errnum) { return set_error(err, call, "", errnum); }

}  // namespace

int spawn_container(const SpawnPlan& plan, Spawned* out, StepError* err) {
  // Built here, before clone: libseccomp allocates, the child may not.
  const sock_fprog* seccomp = container_seccomp_program(err);
  if (!seccomp) return -err->err;
  int sync_pipe[2], error_pipe[2], console[2] = {-1, -1};
  if (pipe2(sync_pipe, O_CLOEXEC) < 0) return set_error(err, "pipe2", errno);
  if (pipe2(error_pipe, O_CLOEXEC) < 0) {
    int e = errno;
    close(sync_pipe[0]);
    close(sync_pipe[1]);
    return set_error(err, "pipe2", e);
  }
  if (plan.console == Console::Pty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
    int e = errno;
    for (int fd : {sync_pipe[0], sync_pipe[1], error_pipe[0], error_pipe[1]}) close(fd);
    return set_error(err, "socketpair", e);
  }
  TraceBuffer* trace = nullptr;
  if (plan.birth_trace && !(trace = trace_map(plan))) {
    int e = errno;
    for (int fd : {sync_pipe[0], sync_pipe[1], error_pipe[0], error_pipe[1], console[0], console[1]}) {
      if (fd >= 0) close(fd);
    }
    return set_error(err, "mmap(the birth trace)", e);
  }
  int pidfd = -1;
  int64_t clone_start = monotonic_ns();
  // The raw syscall without a new stack behaves like fork(): the child runs
  // on a copy of this stack, and returns 0 here.
  long pid = syscall(SYS_clone, static_cast<unsigned long>(plan.clone_flags) | CLONE_PIDFD | SIGCHLD, nullptr, &pidfd,
                     nullptr, nullptr);
  if (pid == 0) {
    close(sync_pipe[1]);
    close(error_pipe[0]);
    if (console[0] >= 0) close(console[0]);
    ChildFds fds{sync_pipe[0], error_pipe[1], console[1], trace};
    container_child(plan, fds, seccomp);
  }
  int clone_errno = errno;
  int64_t clone_end = monotonic_ns();
  close(sync_pipe[0]);
  close(error_pipe[1]);
  if (console[1] >= 0) close(console[1]);
  if (pid < 0) {
    close(sync_pipe[1]);
    close(error_pipe[0]);
    if (console[0] >= 0) close(console[0]);
    trace_unmap(trace);
    return set_error(err, "clone", clone_errno);
  }
  out->trace = trace;
  out->clone_flags = plan.clone_flags;
  out->clone_start_ns = clone_start;
  out->clone_end_ns = clone_end;
  out->pid = static_cast<pid_t>(pid);
  out->pidfd = pidfd;
  out->sync_fd = sync_pipe[1];
  out->error_fd = error_pipe[0];
  out->console_fd = console[0];
  return 0;
}

int release_container(Spawned* s, int* pty_master, StepError* err) {
  char go = 1;
  ssize_t w;
  do {
    w = write(s->sync_fd, &go, 1);
  } while (w < 0 && errno == EINTR);
  int write_errno = w < 0 ? errno : EIO;
  close_fd(&s->sync_fd);
  int master = -1;
  bool wants_console = s->console_fd >= 0;
  if (wants_console) master = receive_fd(s->console_fd);
  close_fd(&s->console_fd);
  int read_errno = 0;
  StepError child_err{};
  size_t got = 0;
  while (got < sizeof child_err) {
    ssize_t n = read(s->error_fd, reinterpret_cast<char*>(&child_err) + got, sizeof child_err - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close_fd(&s->error_fd);
  s->exec_seen_ns = monotonic_ns();
  if (got == sizeof child_err) {
    if (master >= 0) close(master);
    *err = child_err;
    return -1;
  }
  if (w != 1) set_error(err, "write", "the container's sync pipe", write_errno);
  else if (read_errno) set_error(err, "read", "the container's error pipe", read_errno);
  else if (got > 0) set_error(err, "read", "the container's error pipe (a report cut short)", EPROTO);
  else if (wants_console && master < 0) set_error(err, "recvmsg", "the container's pty master", -master);
  else {
    if (pty_master) *pty_master = master;
    else if (master >= 0) close(master);
    return 0;
  }
  if (master >= 0) close(master);
  return -1;
}

void abort_container(Spawned* s) {
  // On our own child's pidfd only ESRCH can fail it (it is dead already): nothing to report.
  if (s->pidfd >= 0) syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, nullptr, 0);
  close_fd(&s->sync_fd);
  close_fd(&s->error_fd);
  close_fd(&s->console_fd);
  trace_unmap(s->trace);
  s->trace = nullptr;
}

std::string take_birth_trace(Spawned* s) {
  if (!s->trace) return "";
  std::string text = trace_text(s->trace, s->clone_flags, s->clone_start_ns, s->clone_end_ns, s->exec_seen_ns);
  trace_unmap(s->trace);
  s->trace = nullptr;
  return text;
}

}  // namespace ctr
