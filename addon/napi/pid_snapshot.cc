#include "pid_snapshot.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

namespace ctr {
namespace {

// The whole of a small /proc or cgroup file; empty when it cannot be read.
std::string read_file(const std::string& path) {
  std::string text;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buf, static_cast<size_t>(got));
  }
  close(fd);
  return text;
}

// The last field of the "NSpid:" line: the pid in the innermost namespace.
int inner_pid(int host_pid) {
  std::string status = read_file("/proc/" + std::to_string(host_pid) + "/status");
  size_t at = status.find("\nNSpid:");
  if (at == std::string::npos) return -1;
  size_t end = status.find('\n', at + 1);
  std::string line = status.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
  size_t last = line.find_last_of(" \t");
  return atoi(line.c_str() + (last == std::string::npos ? 0 : last + 1));
}

}  // namespace

std::vector<std::pair<int, int>> snapshot_pids(const std::vector<std::string>& procs_files) {
  std::vector<std::pair<int, int>> pids;
  for (const auto& file : procs_files) {
    std::string text = read_file(file);
    const char* p = text.c_str();
    while (*p) {
      char* end = nullptr;
      long pid = strtol(p, &end, 10);
      if (end == p) break;
      p = *end ? end + 1 : end;
      int inner = inner_pid(static_cast<int>(pid));
      if (inner > 0) pids.emplace_back(static_cast<int>(pid), inner);
    }
  }
  return pids;
}

int drain_fd(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got > 0) continue;
    if (got < 0 && errno == EINTR) continue;
    // EAGAIN: drained (the fd is non-blocking); 0: end of file.
    return got < 0 && errno != EAGAIN ? errno : 0;
  }
}

}  // namespace ctr
