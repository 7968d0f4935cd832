#include "pid_snapshot.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

namespace ctr {
namespace {

// The whole of a small /proc or cgroup file into *text. Returns 0, or the errno
// of the open or read that failed (*call says which).
int read_file(const std::string& path, std::string* text, const char** call) {
  text->clear();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *call = "open";
    return errno;
  }
  char buf[4096];
  int err = 0;
  for (;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *call = "read";
      err = errno;
    }
    if (got <= 0) break;
    text->append(buf, static_cast<size_t>(got));
  }
  close(fd);
  return err;
}

// What a read gets once its process or cgroup is gone: no failure, nothing to note.
bool gone(int err) { return err == ENOENT || err == ESRCH || err == ENODEV; }

// The last field of the "NSpid:" line: the pid in the innermost namespace.
// -1 when the process is gone; 0 (with *failure filled in) when its status cannot be read.
int inner_pid(int host_pid, SnapshotFailure* failure) {
  std::string path = "/proc/" + std::to_string(host_pid) + "/status", status;
  const char* call = "";
  int err = read_file(path, &status, &call);
  if (err) {
    if (gone(err)) return -1;
    *failure = {call, path, err};
    return 0;
  }
  size_t at = status.find("\nNSpid:");
  if (at == std::string::npos) return -1;
  size_t end = status.find('\n', at + 1);
  std::string line = status.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
  size_t last = line.find_last_of(" \t");
  return atoi(line.c_str() + (last == std::string::npos ? 0 : last + 1));
}

}  // namespace

std::vector<std::pair<int, int>> snapshot_pids(const std::vector<std::string>& procs_files, SnapshotFailure* failure) {
  std::vector<std::pair<int, int>> pids;
  for (const auto& file : procs_files) {
    std::string text;
    const char* call = "";
    int err = read_file(file, &text, &call);
    if (err) {
      if (gone(err)) continue;
      *failure = {call, file, err};
      return pids;
    }
    const char* p = text.c_str();
    while (*p) {
      char* end = nullptr;
      long pid = strtol(p, &end, 10);
      if (end == p) break;
      p = *end ? end + 1 : end;
      int inner = inner_pid(static_cast<int>(pid), failure);
      if (failure->err) return pids;
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
