// ctr-monitor: the parent of one detached container. Started by ctr-tui, it
// clones the container's init (with the same code as the addon), waits for
// ctr-tui to place it in its cgroup and network, then lives on alone: it
// keeps the container's output in a bounded log, reaps the init, records the
// exit status and OOM kill count, and removes the cgroup.
//
// Protocol on stdin/stdout with ctr-tui, one line each:
//   monitor -> "pid <host pid>"      the init is cloned and waiting
//   ctr-tui -> "go"                  (or EOF to abort)
//   monitor -> "trace <JSON string>"  the birth trace (addon/core/birth_trace.h), with --trace
//   monitor -> "started" | "error <ENAME>\t<call>\t<path>\t<call path: strerror>"
// Its own failures, later, go to stderr (ctr-tui points it at monitor.log) as
// one line each: "ctr-monitor: <call path: strerror>", as the addon's errors read.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "../core/spawn.h"
#include "monitor_args.h"

namespace {

using ctr::MonitorArgs;

void report(const std::string& what) { fprintf(stderr, "ctr-monitor: %s\n", what.c_str()); }

[[noreturn]] void die(const std::string& what) {
  report(what);
  exit(1);
}

std::string errno_text(const std::string& call, const std::string& path, int err) {
  return ctr::error_text(call.c_str(), path.c_str(), err);
}

int open_or_die(const std::string& path, int flags, mode_t mode = 0644) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) die(errno_text("open", path, errno));
  return fd;
}

// Returns 0, or -errno; goes on after EINTR and short writes.
int write_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

// One protocol line to ctr-tui. Returns false (reported) when ctr-tui is not there to read it.
bool say(const std::string& line) {
  std::string out = line + "\n";
  int rc = write_all(STDOUT_FILENO, out.data(), out.size());
  if (rc < 0) report(errno_text("write", "stdout (to ctr-tui)", -rc));
  return rc == 0;
}

// "error <ENAME>\t<call>\t<path>\t<call path: strerror>" (src/runtime/monitor.ts reads it).
void say_error(const ctr::StepError& err) {
  say(std::string("error ") + ctr::errno_name(err.err) + "\t" + err.call + "\t" + err.path + "\t" + ctr::error_text(err));
}

void reap(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0) {
    if (errno == EINTR) continue;
    report(errno_text("waitpid", "the container's init", errno));
    return;
  }
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') out += std::string("\\") + static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string read_line(int fd) {
  std::string line;
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) report(errno_text("read", "stdin (from ctr-tui)", errno));
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

// The container's stdout and stderr, kept to at most 2 x max bytes.
class BoundedLog {
 public:
  BoundedLog(std::string path, off_t max) : path_(std::move(path)), max_(max) { reopen(); }

  void append(const char* data, size_t len) {
    int rc = write_all(fd_, data, len);
    // Once per failure, not per read: a full disk would fill monitor.log as well.
    if (rc < 0 && !failing_) report(errno_text("write", path_, -rc) + " (the container's output is lost until it can be written)");
    failing_ = rc < 0;
    size_ += static_cast<off_t>(len);
    if (size_ < max_) return;
    if (close(fd_) < 0) report(errno_text("close", path_, errno));
    std::string old = path_ + ".1";
    if (rename(path_.c_str(), old.c_str()) < 0) report(errno_text("rename", path_, errno));
    reopen();
  }

 private:
  void reopen() {
    fd_ = open_or_die(path_, O_WRONLY | O_CREAT | O_APPEND);
    struct stat st{};
    if (fstat(fd_, &st) < 0) die(errno_text("fstat", path_, errno));
    size_ = st.st_size;
  }

  bool failing_ = false;

  std::string path_;
  off_t max_;
  int fd_ = -1;
  off_t size_ = 0;
};

// The "oom_kill N" line of memory.oom_control (v1) or memory.events (v2): the
// count, 0 when the kernel has no such line, or -1 (reported) when the file
// cannot be read: an unknown count, never taken for none.
long read_oom_kills(const std::string& file) {
  if (file.empty()) return 0;
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    report(errno_text("open", file, errno) + " (the OOM kill count is unknown)");
    return -1;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      report(errno_text("read", file, errno) + " (the OOM kill count is unknown)");
      close(fd);
      return -1;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t at = ("\n" + text).find("\noom_kill ");
  return at == std::string::npos ? 0 : strtol(text.c_str() + at + strlen("oom_kill "), nullptr, 10);
}

// {"code":..,"signal":..,"oomKills":..,"finishedAt":..}, as src/runtime/record.ts's ExitRecord;
// oomKills is null when it could not be read.
std::string exit_json(const siginfo_t& info, long oom_kills, long long now) {
  std::string code = info.si_code == CLD_EXITED ? std::to_string(info.si_status) : "null";
  std::string sig = info.si_code == CLD_EXITED ? "null" : std::to_string(info.si_status);
  std::string kills = oom_kills < 0 ? "null" : std::to_string(oom_kills);
  return "{\"code\":" + code + ",\"signal\":" + sig + ",\"oomKills\":" + kills + ",\"finishedAt\":" + std::to_string(now) + "}";
}

void write_exit_record(const std::string& dir, const std::string& json_line) {
  std::string json = json_line + "\n";
  std::string tmp = dir + "/exit.json.tmp", final_path = dir + "/exit.json";
  int fd = open_or_die(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  int rc = write_all(fd, json.data(), json.size());
  if (rc < 0) die(errno_text("write", tmp, -rc));
  if (fsync(fd) < 0) die(errno_text("fsync", tmp, errno));
  if (close(fd) < 0) die(errno_text("close", tmp, errno));
  if (rename(tmp.c_str(), final_path.c_str()) < 0) die(errno_text("rename", tmp, errno));
}

// The exit, as one line of the host's event journal (one write to an O_APPEND file).
void journal_exit(const std::string& journal, const std::string& name, const std::string& exit, long long now) {
  if (journal.empty()) return;
  std::string line = "{\"kind\":\"exited\",\"name\":\"" + name + "\",\"at\":" + std::to_string(now) + ",\"exit\":" + exit + "}\n";
  int fd = open(journal.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    report(errno_text("open", journal, errno));
    return;
  }
  // One write as a rule; after EINTR or a short write (a full disk) the rest follows.
  int rc = write_all(fd, line.data(), line.size());
  if (rc < 0) report(errno_text("write", journal, -rc));
  if (close(fd) < 0) report(errno_text("close", journal, errno));
}

void remove_cgroups(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) {
    for (int attempt = 0; rmdir(dir.c_str()) < 0; attempt++) {
      if (errno == ENOENT) break;
      if (errno != EBUSY || attempt >= 100) {
        report(errno_text("rmdir", dir, errno));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // The shared ctr-tui parent goes with the last container; while others are in it, this fails (EBUSY).
    std::string parent = dir.substr(0, dir.rfind('/'));
    if (rmdir(parent.c_str()) < 0 && errno != EBUSY && errno != ENOTEMPTY && errno != ENOENT) {
      report(errno_text("rmdir", parent, errno));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die(errno_text("signal", "SIGPIPE", errno));
  MonitorArgs args;
  std::string problem = ctr::parse_monitor_args(argc, argv, &args);
  if (!problem.empty()) die(problem);

  int log_pipe[2];
  if (pipe2(log_pipe, O_CLOEXEC) < 0) die(errno_text("pipe2", "", errno));
  int dev_null = open_or_die("/dev/null", O_RDWR);
  args.plan.stdio[0] = dev_null;
  args.plan.stdio[1] = log_pipe[1];
  args.plan.stdio[2] = log_pipe[1];

  ctr::Spawned child;
  ctr::StepError err{};
  if (ctr::spawn_container(args.plan, &child, &err) < 0) {
    say_error(err);
    die(ctr::error_text(err));
  }
  say("pid " + std::to_string(child.pid));
  if (read_line(STDIN_FILENO) != "go") {
    ctr::abort_container(&child);
    reap(child.pid);
    die("ctr-tui went away before the container was placed; it was killed");
  }
  int released = ctr::release_container(&child, nullptr, &err);
  std::string trace = ctr::take_birth_trace(&child);
  if (released < 0) {
    say_error(err);
    report(ctr::error_text(err));
    reap(child.pid);
    return 1;
  }
  if (!trace.empty()) say("trace " + json_string(trace));
  say("started");
  if (close(log_pipe[1]) < 0) die(errno_text("close", "the log pipe", errno));
  // From here on nobody reads our stdout: stdio points at /dev/null.
  if (dup2(dev_null, STDIN_FILENO) < 0 || dup2(dev_null, STDOUT_FILENO) < 0) die(errno_text("dup2", "/dev/null", errno));

  BoundedLog log(args.state_dir + "/container.log", args.log_max);
  pollfd fds[2] = {{child.pidfd, POLLIN, 0}, {log_pipe[0], POLLIN, 0}};
  bool exited = false, log_open = true;
  siginfo_t info{};
  char buf[16384];
  while (!exited || log_open) {
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die(errno_text("poll", "", errno));
    }
    if (log_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      ssize_t got = read(log_pipe[0], buf, sizeof buf);
      if (got > 0) log.append(buf, static_cast<size_t>(got));
      else if (got == 0 || errno != EINTR) {
        if (got < 0) report(errno_text("read", "the container's output pipe", errno));
        log_open = false;
        fds[1].fd = -1;
      }
    }
    if (!exited && (fds[0].revents & POLLIN)) {
      if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child.pidfd), &info, WEXITED) < 0) {
        die(errno_text("waitid", "the container's init", errno));
      }
      exited = true;
      fds[0].fd = -1;
    }
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string exit = exit_json(info, read_oom_kills(args.oom_count_file), now);
  write_exit_record(args.state_dir, exit);
  journal_exit(args.journal, args.name, exit, now);
  remove_cgroups(args.cgroups);
  return 0;
}
