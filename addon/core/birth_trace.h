// A container's birth, step by step, as its first process lived it between clone() and execve().
//
// The parent maps the buffer (MAP_SHARED, anonymous) before clone(); the child appends one text
// line per step: "<start ns>\t<end ns>\t<step>\t<detail>\n", CLOCK_MONOTONIC (the clock Node's
// process.hrtime reads). A step starts where the previous one ended, so the lines tile the child's
// time. In the child only clock_gettime and stores into the mapping: async-signal-safe. A step that
// does not fit is not cut short but counted as dropped. The parent reads the buffer once the child
// has exec'd (its error pipe closed) or failed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "spawn_plan.h"

namespace ctr {

struct TraceBuffer {
  size_t capacity;   // bytes of text
  size_t used;
  uint32_t dropped;  // steps that did not fit
  int64_t last_ns;   // where the next step starts
  char text[];
};

int64_t monotonic_ns();

// Parent, before clone: a mapping big enough for every step of this plan. nullptr, errno set, on failure.
TraceBuffer* trace_map(const SpawnPlan& plan);
void trace_unmap(TraceBuffer* trace);

// Child: the trace starts now (the child's first instant after clone).
void trace_start(TraceBuffer* trace);
// Child: one step, from the end of the previous one until now. trace may be nullptr (tracing off).
void trace_step(TraceBuffer* trace, const char* step, const char* detail);

// Parent: the whole trace as text lines (same format): the clone, the child's steps, and the
// moment the parent saw the exec (the error pipe closing).
std::string trace_text(const TraceBuffer* trace, int clone_flags, int64_t clone_start_ns, int64_t clone_end_ns,
                       int64_t exec_seen_ns);

}  // namespace ctr
