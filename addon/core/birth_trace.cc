#include "birth_trace.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sched.h>
#include <sys/mman.h>

namespace ctr {
namespace {

size_t length(const char* s) { return s ? strlen(s) : 0; }

// Appends s to the line being built at trace->text + at; false when it does not fit.
bool put(TraceBuffer* t, size_t* at, const char* s, size_t n) {
  if (*at + n > t->capacity) return false;
  memcpy(t->text + *at, s, n);
  *at += n;
  return true;
}

bool put_str(TraceBuffer* t, size_t* at, const char* s) { return put(t, at, s ? s : "", length(s)); }

bool put_int(TraceBuffer* t, size_t* at, int64_t value) {
  char digits[24];
  size_t i = sizeof digits;
  uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
  do {
    digits[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && i > 0);
  return put(t, at, digits + i, sizeof digits - i);
}

// A tab or newline in a path would break the line format: shown as a space.
bool put_field(TraceBuffer* t, size_t* at, const char* s) {
  size_t start = *at;
  if (!put_str(t, at, s)) return false;
  for (size_t i = start; i < *at; i++) {
    if (t->text[i] == '\t' || t->text[i] == '\n') t->text[i] = ' ';
  }
  return true;
}

std::string line(int64_t start, int64_t end, const std::string& step, const std::string& detail) {
  return std::to_string(start) + "\t" + std::to_string(end) + "\t" + step + "\t" + detail + "\n";
}

std::string flag_names(int flags) {
  static const struct {
    int flag;
    const char* name;
  } kFlags[] = {{CLONE_NEWPID, "CLONE_NEWPID"}, {CLONE_NEWNS, "CLONE_NEWNS"},       {CLONE_NEWUTS, "CLONE_NEWUTS"},
                {CLONE_NEWIPC, "CLONE_NEWIPC"}, {CLONE_NEWNET, "CLONE_NEWNET"},     {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
                {CLONE_NEWUSER, "CLONE_NEWUSER"}};
  std::string out;
  for (const auto& f : kFlags) {
    if (flags & f.flag) out += (out.empty() ? "" : "|") + std::string(f.name);
  }
  return out + (out.empty() ? "" : "|") + "CLONE_PIDFD|SIGCHLD";
}

}  // namespace

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

TraceBuffer* trace_map(const SpawnPlan& plan) {
  // About 60 steps of fixed text, plus every path of the plan as often as a step can name it.
  size_t paths = 8 * length(plan.rootfs) + length(plan.hostname) + length(plan.argv[0]) + length(plan.session_keyring);
  for (size_t i = 0; i < plan.mount_count; i++) paths += 3 * (length(plan.mounts[i].source) + length(plan.mounts[i].target));
  if (plan.net.enabled) paths += 8 * length(plan.net.ifname);
  for (size_t i = 0; plan.cgroup_view.dirs && plan.cgroup_view.dirs[i]; i++) paths += 3 * length(plan.cgroup_view.dirs[i]);
  for (size_t i = 0; plan.cgroup_view.links && plan.cgroup_view.links[i]; i++) paths += 2 * length(plan.cgroup_view.links[i]);
  size_t capacity = 16384 + 2 * paths;
  void* map = mmap(nullptr, sizeof(TraceBuffer) + capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return nullptr;
  auto* trace = static_cast<TraceBuffer*>(map);
  trace->capacity = capacity;
  trace->used = 0;
  trace->dropped = 0;
  trace->last_ns = 0;
  return trace;
}

void trace_unmap(TraceBuffer* trace) {
  if (trace) munmap(trace, sizeof(TraceBuffer) + trace->capacity);
}

void trace_start(TraceBuffer* trace) {
  if (trace) trace->last_ns = monotonic_ns();
}

void trace_step(TraceBuffer* t, const char* step, const char* detail) {
  if (!t) return;
  int64_t now = monotonic_ns();
  size_t at = t->used;
  bool fits = put_int(t, &at, t->last_ns) && put(t, &at, "\t", 1) && put_int(t, &at, now) && put(t, &at, "\t", 1) &&
              put_field(t, &at, step) && put(t, &at, "\t", 1) && put_field(t, &at, detail) && put(t, &at, "\n", 1);
  if (fits) t->used = at;
  else t->dropped++;
  t->last_ns = now;
}

std::string trace_text(const TraceBuffer* trace, int clone_flags, int64_t clone_start_ns, int64_t clone_end_ns,
                       int64_t exec_seen_ns) {
  std::string out = line(clone_start_ns, clone_end_ns, "clone", flag_names(clone_flags));
  int64_t last = clone_end_ns;
  if (trace) {
    out.append(trace->text, trace->used);
    if (trace->last_ns) last = trace->last_ns;
    if (trace->dropped) out += line(last, last, "steps not recorded (the trace buffer was full)", std::to_string(trace->dropped));
  }
  out += line(last, exec_seen_ns, "execve", "until the parent saw its error pipe close (close-on-exec)");
  return out;
}

}  // namespace ctr
