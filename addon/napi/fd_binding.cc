#include "fd_binding.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "errors.h"

namespace ctr {

Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pidfd = info[0].ToNumber().Int32Value(), sig = info[1].ToNumber().Int32Value();
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0) {
    if (errno == ESRCH) return Napi::Boolean::New(env, false);
    throw_errno(env, "pidfd_send_signal", "signal " + std::to_string(sig));
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].ToNumber().Int32Value();
  long fd = syscall(SYS_pidfd_open, pid, 0);
  // The kernel makes every pidfd close-on-exec: no fcntl needed.
  if (fd < 0) throw_errno(env, "pidfd_open", "pid " + std::to_string(pid));
  return Napi::Number::New(env, static_cast<double>(fd));
}

Napi::Value TryLockExclusive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].ToNumber().Int32Value();
  while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    throw_errno(env, "flock(LOCK_EX)", info[1].ToString().Utf8Value());
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  winsize ws{};
  ws.ws_col = static_cast<unsigned short>(info[1].ToNumber().Uint32Value());
  ws.ws_row = static_cast<unsigned short>(info[2].ToNumber().Uint32Value());
  int fd = info[0].ToNumber().Int32Value();
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) throw_errno(env, "ioctl(TIOCSWINSZ)", "pty fd " + std::to_string(fd));
  return env.Undefined();
}

Napi::Value OpenKmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw_errno(env, "open", "/dev/kmsg");
  if (lseek(fd, 0, SEEK_END) < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "lseek(SEEK_END)", "/dev/kmsg", err);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value ReadKmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].ToNumber().Int32Value();
  Napi::Array records = Napi::Array::New(env);
  char buf[8192];
  for (uint32_t n = 0;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR || errno == EPIPE) continue;  // EPIPE: records were overwritten
      if (errno == EAGAIN) break;
      throw_errno(env, "read", "/dev/kmsg");
    }
    if (got == 0) break;
    records.Set(n++, Napi::String::New(env, buf, static_cast<size_t>(got)));
  }
  return records;
}

namespace {

// Writes "<eventfd> <fd of target> [args]" to a v1 cgroup's cgroup.event_control:
// the kernel then signals the eventfd on that file's event. Throws on failure.
void register_cgroup_event(Napi::Env env, int efd, const std::string& event_control, const std::string& target, const std::string& args) {
  int tfd = open(target.c_str(), O_RDONLY | O_CLOEXEC);
  if (tfd < 0) throw_errno(env, "open", target);
  int ecfd = open(event_control.c_str(), O_WRONLY | O_CLOEXEC);
  if (ecfd < 0) {
    int err = errno;
    close(tfd);
    throw_errno(env, "open", event_control, err);
  }
  std::string line = std::to_string(efd) + " " + std::to_string(tfd) + (args.empty() ? "" : " " + args);
  ssize_t w;
  do {
    w = write(ecfd, line.c_str(), line.size());
  } while (w < 0 && errno == EINTR);
  // The kernel takes the line in one write or not at all: a short write is a refusal too.
  int err = w < 0 ? errno : EIO;
  close(ecfd);
  close(tfd);
  if (w != static_cast<ssize_t>(line.size())) throw_errno(env, "write", event_control + " (\"" + line + "\")", err);
}

}  // namespace

Napi::Value OomEventfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string oom_control = info[0].ToString().Utf8Value(), event_control = info[1].ToString().Utf8Value();
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) throw_errno(env, "eventfd", "for " + oom_control);
  try {
    register_cgroup_event(env, efd, event_control, oom_control, "");
  } catch (...) {
    close(efd);
    throw;
  }
  return Napi::Number::New(env, efd);
}

Napi::Value AddCgroupEvent(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  register_cgroup_event(env, info[0].ToNumber().Int32Value(), info[1].ToString().Utf8Value(), info[2].ToString().Utf8Value(),
                        info[3].ToString().Utf8Value());
  return env.Undefined();
}

Napi::Value InotifyModify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].ToString().Utf8Value();
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw_errno(env, "inotify_init1", "");
  if (inotify_add_watch(fd, path.c_str(), IN_MODIFY) < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "inotify_add_watch", path, err);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].ToNumber().Int32Value();
  char buf[4096];
  double total = 0;
  for (;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got > 0) {
      total += static_cast<double>(got);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    // EAGAIN: drained (the fd is non-blocking); 0: end of file.
    if (got < 0 && errno != EAGAIN) throw_errno(env, "read", "fd " + std::to_string(fd));
    break;
  }
  return Napi::Number::New(env, total);
}

}  // namespace ctr
