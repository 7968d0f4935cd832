// A failure inside a freshly cloned child, reported to the parent over a pipe.
// Everything here is async-signal-safe: fixed-size buffers, no allocation.
#pragma once
#include <cstddef>

namespace ctr {

struct StepError {
  int err;            // errno of the failed call, 0 when not a syscall failure
  char call[48];      // the call that failed, e.g. "pivot_root"
  char path[208];     // what it was called on
};

// Copies at most size-1 bytes of src into dst, always terminating it.
void copy_cstr(char* dst, size_t size, const char* src);

// Writes "call(path): strerror" style text into out without allocating.
void format_step_error(const StepError& e, char* out, size_t size);

}  // namespace ctr
