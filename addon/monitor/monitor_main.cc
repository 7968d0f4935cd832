// ctr-monitor: the parent of one detached container. Started by ctr-tui, it
// clones the container's init (with the same code as the addon), waits for
// ctr-tui to place it in its cgroup and network, then lives on alone: it
// keeps the container's output in a bounded log, reaps the init, records the
// exit status and OOM kill count, and removes the cgroup.
//
// Protocol on stdin/stdout with ctr-tui, one line each:
//   monitor -> "pid <host pid>"      the init is cloned and waiting
//   ctr-tui -> "go"                  (or EOF to abort)
//   monitor -> "trace <JSON string>"  the birth trace (addon/core/birth_trace.h), unless --no-trace
//   monitor -> "started" | "error <errno> <call>\t<message>"
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

[[noreturn]] void die(const std::string& what) {
  fprintf(stderr, "ctr-monitor: %s\n", what.c_str());
  exit(1);
}

std::string errno_text(const std::string& call, const std::string& path, int err) {
  return call + (path.empty() ? "" : " " + path) + ": " + strerror(err);
}

int open_or_die(const std::string& path, int flags, mode_t mode = 0644) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) die(errno_text("open", path, errno));
  return fd;
}

void write_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
}

void say(const std::string& line) {
  std::string out = line + "\n";
  write_all(STDOUT_FILENO, out.data(), out.size());
}

// "error <errno> <call>\t<call path: strerror>"
void say_error(const ctr::StepError& err) {
  char text[512];
  ctr::format_step_error(err, text, sizeof text);
  say(std::string("error ") + std::to_string(err.err) + " " + err.call + "\t" + text);
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
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

// The container's stdout and stderr, kept to at most 2 x max bytes.
class BoundedLog {
 public:
  BoundedLog(std::string path, off_t max) : path_(std::move(path)), max_(max) { reopen(); }

  void append(const char* data, size_t len) {
    write_all(fd_, data, len);
    size_ += static_cast<off_t>(len);
    if (size_ < max_) return;
    close(fd_);
    std::string old = path_ + ".1";
    if (rename(path_.c_str(), old.c_str()) < 0) fprintf(stderr, "ctr-monitor: %s\n", errno_text("rename", path_, errno).c_str());
    reopen();
  }

 private:
  void reopen() {
    fd_ = open_or_die(path_, O_WRONLY | O_CREAT | O_APPEND);
    struct stat st{};
    size_ = fstat(fd_, &st) == 0 ? st.st_size : 0;
  }

  std::string path_;
  off_t max_;
  int fd_ = -1;
  off_t size_ = 0;
};

long read_oom_kills(const std::string& file) {
  if (file.empty()) return 0;
  FILE* f = fopen(file.c_str(), "re");
  if (!f) return 0;
  char key[64];
  long value = 0, kills = 0;
  while (fscanf(f, "%63s %ld", key, &value) == 2) {
    if (strcmp(key, "oom_kill") == 0) kills = value;
  }
  fclose(f);
  return kills;
}

// {"code":..,"signal":..,"oomKills":..,"finishedAt":..}, as src/runtime/record.ts's ExitRecord.
std::string exit_json(const siginfo_t& info, long oom_kills, long long now) {
  std::string code = info.si_code == CLD_EXITED ? std::to_string(info.si_status) : "null";
  std::string sig = info.si_code == CLD_EXITED ? "null" : std::to_string(info.si_status);
  return "{\"code\":" + code + ",\"signal\":" + sig + ",\"oomKills\":" + std::to_string(oom_kills) +
         ",\"finishedAt\":" + std::to_string(now) + "}";
}

void write_exit_record(const std::string& dir, const std::string& json_line) {
  std::string json = json_line + "\n";
  std::string tmp = dir + "/exit.json.tmp", final_path = dir + "/exit.json";
  int fd = open_or_die(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  write_all(fd, json.data(), json.size());
  if (fsync(fd) < 0 || close(fd) < 0) die(errno_text("write", tmp, errno));
  if (rename(tmp.c_str(), final_path.c_str()) < 0) die(errno_text("rename", tmp, errno));
}

// The exit, as one line of the host's event journal (one write to an O_APPEND file).
void journal_exit(const std::string& journal, const std::string& name, const std::string& exit, long long now) {
  if (journal.empty()) return;
  std::string line = "{\"kind\":\"exited\",\"name\":\"" + name + "\",\"at\":" + std::to_string(now) + ",\"exit\":" + exit + "}\n";
  int fd = open(journal.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "ctr-monitor: %s\n", errno_text("open", journal, errno).c_str());
    return;
  }
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    fprintf(stderr, "ctr-monitor: %s\n", errno_text("write", journal, errno).c_str());
  }
  close(fd);
}

void remove_cgroups(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) {
    for (int attempt = 0; rmdir(dir.c_str()) < 0; attempt++) {
      if (errno == ENOENT) break;
      if (errno != EBUSY || attempt >= 100) {
        fprintf(stderr, "ctr-monitor: %s\n", errno_text("rmdir", dir, errno).c_str());
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // The shared ctr-tui parent goes with the last container; while others are in it, this fails.
    std::string parent = dir.substr(0, dir.rfind('/'));
    rmdir(parent.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
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
    die("clone failed");
  }
  say("pid " + std::to_string(child.pid));
  if (read_line(STDIN_FILENO) != "go") {
    ctr::abort_container(&child);
    waitpid(child.pid, nullptr, 0);
    die("ctr-tui went away before the container was placed; it was killed");
  }
  int released = ctr::release_container(&child, nullptr, &err);
  std::string trace = ctr::take_birth_trace(&child);
  if (released < 0) {
    say_error(err);
    waitpid(child.pid, nullptr, 0);
    return 1;
  }
  if (!trace.empty()) say("trace " + json_string(trace));
  say("started");
  close(log_pipe[1]);
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
