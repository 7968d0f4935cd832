// ctr-exec: runs a process inside a running container. A fresh,
// single-threaded process can join a mount namespace, which Node cannot.
//
//   ctr-exec --pid PID --session-keyring NAME [--tty] [--cgroup-procs FILE]...
//            [--env K=V]... [--keep-caps N,N,...] [--cap-last N] -- COMMAND [ARGS...]
//
// It opens every namespace of PID first, then joins them, then forks (only
// children enter a pid namespace). The child joins the container's cgroup,
// and is confined as the container's init was: a new session keyring of its
// own (not the init's: nothing is shared through it), the same capabilities,
// no_new_privs and the same seccomp filter; then it execs. With --tty the
// child gets a pty from the container's own devpts, and this process copies
// between it and its own stdin/stdout, forwarding the window size.
//
// A failure is one line on stderr, "ctr-exec: <call path: strerror>" (as the
// addon's errors read), and exit status 125 (1 when the container is gone,
// 126/127 when the command cannot be run, as in a shell).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

#include "../core/process_setup.h"
#include "../core/seccomp_filter.h"
#include "../core/step_error.h"

namespace {

struct ExecArgs {
  int pid = 0;
  bool tty = false;
  std::string session_keyring;
  std::vector<std::string> cgroup_procs, env, argv;
  uint64_t keep_caps = 0;
  int cap_last = 40;
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
};

[[noreturn]] void die(const std::string& call, const std::string& path, int err, int status = 125) {
  fprintf(stderr, "ctr-exec: %s\n", ctr::error_text(call.c_str(), path.c_str(), err).c_str());
  exit(status);
}

[[noreturn]] void usage(const std::string& problem) {
  fprintf(stderr, "ctr-exec: %s\n", problem.c_str());
  exit(2);
}

ExecArgs parse(int argc, char** argv) {
  ExecArgs a;
  int i = 1;
  for (; i < argc; i++) {
    std::string flag = argv[i];
    if (flag == "--") {
      i++;
      break;
    }
    if (flag == "--tty") {
      a.tty = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + flag);
    std::string value = argv[++i];
    if (flag == "--pid") a.pid = atoi(value.c_str());
    else if (flag == "--cgroup-procs") a.cgroup_procs.push_back(value);
    else if (flag == "--env") a.env.push_back(value);
    else if (flag == "--session-keyring") a.session_keyring = value;
    else if (flag == "--path") a.path = value;
    else if (flag == "--cap-last") a.cap_last = atoi(value.c_str());
    else if (flag == "--keep-caps") {
      for (char* p = value.data(); *p;) {
        a.keep_caps |= uint64_t{1} << strtol(p, &p, 10);
        if (*p == ',') p++;
      }
    } else usage("unknown option " + flag);
  }
  for (; i < argc; i++) a.argv.push_back(argv[i]);
  if (a.pid <= 0 || a.session_keyring.empty() || a.argv.empty()) {
    usage("usage: ctr-exec --pid PID --session-keyring NAME [--tty] -- COMMAND [ARGS...]");
  }
  return a;
}

// Namespaces in the order they are joined; mnt last, since it changes what paths mean.
const char* const kNamespaces[] = {"cgroup", "ipc", "uts", "net", "pid", "mnt"};

void join_namespaces(int pid) {
  int fds[6];
  std::string paths[6];
  for (int i = 0; i < 6; i++) {
    paths[i] = "/proc/" + std::to_string(pid) + "/ns/" + kNamespaces[i];
    fds[i] = open(paths[i].c_str(), O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) die("open", paths[i], errno, errno == ENOENT ? 1 : 125);
  }
  for (int i = 0; i < 6; i++) {
    if (setns(fds[i], 0) < 0) die("setns", paths[i], errno);
    close(fds[i]);
  }
  if (chdir("/") < 0) die("chdir", "/", errno);
}

std::vector<const char*> c_strings(const std::vector<std::string>& items) {
  std::vector<const char*> out;
  for (const auto& s : items) out.push_back(s.c_str());
  out.push_back(nullptr);
  return out;
}

int g_winch_pipe[2] = {-1, -1};

void on_winch(int) {
  char c = 'w';
  ssize_t unused = write(g_winch_pipe[1], &c, 1);
  (void)unused;
}

// From our terminal to the pty; nothing to copy when stdin is not a terminal (ENOTTY).
void copy_window_size(int from, int to) {
  winsize ws{};
  if (ioctl(from, TIOCGWINSZ, &ws) < 0) {
    if (errno == ENOTTY || errno == EINVAL) return;
    die("ioctl(TIOCGWINSZ)", "stdin", errno);
  }
  if (ioctl(to, TIOCSWINSZ, &ws) < 0) die("ioctl(TIOCSWINSZ)", "the pty", errno);
}

bool pump(int from, int to) {
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  for (ssize_t at = 0; at < n;) {
    ssize_t w = write(to, buf + at, static_cast<size_t>(n - at));
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    at += w;
  }
  return true;
}

// Copies between our terminal and the pty until the child's side closes.
void relay(int master) {
  termios saved{};
  bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (raw) {
    termios t = saved;
    cfmakeraw(&t);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0) die("tcsetattr", "stdin", errno);
    copy_window_size(STDIN_FILENO, master);
  }
  if (pipe2(g_winch_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe2", "", errno);
  struct sigaction winch{};
  winch.sa_handler = on_winch;
  winch.sa_flags = SA_RESTART;
  if (sigaction(SIGWINCH, &winch, nullptr) < 0) die("sigaction", "SIGWINCH", errno);
  pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0}, {master, POLLIN, 0}, {g_winch_pipe[0], POLLIN, 0}};
  for (;;) {
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      if (raw) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
      die("poll", "the pty", errno);
    }
    if (fds[2].revents & POLLIN) {
      char drain[16];
      while (read(g_winch_pipe[0], drain, sizeof drain) > 0) {}
      copy_window_size(STDIN_FILENO, master);
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!pump(master, STDOUT_FILENO)) break;
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      if (!pump(STDIN_FILENO, master)) fds[0].fd = -1;  // stdin closed: keep showing output
    }
  }
  if (raw && tcsetattr(STDIN_FILENO, TCSANOW, &saved) < 0) die("tcsetattr", "stdin (restoring it)", errno);
}

}  // namespace

int main(int argc, char** argv) {
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die("signal", "SIGPIPE", errno);
  ExecArgs args = parse(argc, argv);
  // Opened before joining the mount namespace, where /sys/fs/cgroup is not ours.
  std::vector<int> procs;
  std::vector<std::string> procs_files;
  for (const auto& file : args.cgroup_procs) {
    int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("open", file, errno);
    procs.push_back(fd);
    procs_files.push_back(file);
  }
  join_namespaces(args.pid);

  int master = -1, slave = -1;
  if (args.tty) {
    master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) die("open", "/dev/ptmx (in the container)", errno);
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die("ioctl(TIOCSPTLCK)", "/dev/ptmx", errno);
    slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0) die("ioctl(TIOCGPTPEER)", "/dev/ptmx", errno);
    copy_window_size(STDIN_FILENO, master);
  }
  auto argv_c = c_strings(args.argv);
  auto env_c = c_strings(args.env);
  ctr::StepError seccomp_err{};
  const sock_fprog* seccomp = ctr::container_seccomp_program(&seccomp_err);
  if (!seccomp) die(seccomp_err.call, seccomp_err.path, seccomp_err.err);

  pid_t child = fork();
  if (child < 0) die("fork", "", errno);
  if (child == 0) {
    for (size_t i = 0; i < procs.size(); i++) {
      ssize_t w;
      do {
        w = write(procs[i], "0", 1);
      } while (w < 0 && errno == EINTR);
      if (w != 1) die("write", procs_files[i], w < 0 ? errno : EIO);
      close(procs[i]);
    }
    if (args.tty) {
      if (setsid() < 0) die("setsid", "", errno);
      if (ioctl(slave, TIOCSCTTY, 0) < 0) die("ioctl(TIOCSCTTY)", "the pty", errno);
      for (int fd = 0; fd < 3; fd++) {
        if (dup2(slave, fd) < 0) die("dup2", "the pty", errno);
      }
    }
    const char* call = "";
    int rc = ctr::join_new_session_keyring(args.session_keyring.c_str(), &call);
    if (rc < 0) die(call, args.session_keyring, -rc);
    rc = ctr::drop_privileges(args.keep_caps, args.cap_last, &call);
    if (rc < 0) die(call, "", -rc);
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) die("close_range", "", errno);
    rc = ctr::load_seccomp_filter(seccomp, &call);
    if (rc < 0) die(call, "", -rc);
    rc = ctr::exec_with_path(argv_c.data(), env_c.data(), args.path.c_str());
    die("exec", args.argv[0], -rc, -rc == ENOENT ? 127 : 126);
  }
  for (int fd : procs) close(fd);
  if (args.tty) {
    close(slave);
    relay(master);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) die("waitpid", "the command", errno);
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
