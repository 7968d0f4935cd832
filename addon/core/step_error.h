// The one error type of ctr-tui's native code: the addon, ctr-monitor and
// ctr-exec all describe a failure as (call, path, errno), as crun's libcrun
// error does. A freshly cloned child sends it to its parent over a pipe, so
// it is a fixed-size struct and everything here is async-signal-safe: no
// allocation. Each level adds its context around it (the JS side names the
// container), never a second description of the failure.
#pragma once
#include <climits>
#include <cstddef>
#include <string>

namespace ctr {

struct StepError {
  int err;                // errno of the failed call (always set: EIO, EPROTO... when no syscall said)
  char call[64];          // the call that failed, e.g. "pivot_root"
  // What it was called on; empty when there is nothing to name. PATH_MAX holds
  // any path the kernel accepts (a longer one fails with ENAMETOOLONG and is
  // shown cut, ending in "...").
  char path[PATH_MAX];
};

// Copies src into dst (size bytes, always terminated). Returns false when it had to cut src.
bool copy_cstr(char* dst, size_t size, const char* src);

// Fills *e and returns -err, so that `return set_error(e, ...)` reports and fails at once.
int set_error(StepError* e, const char* call, const char* path, int err);

// The one text of a failure: "call path: strerror" ("call: strerror" without a path).
// Writes into out (always terminated) and returns the length of the whole text,
// which may be more than size-1: call again with a bigger buffer to get all of it.
size_t format_error(const char* call, const char* path, int err, char* out, size_t size);
size_t format_step_error(const StepError& e, char* out, size_t size);

// The same text as a string, for code that may allocate (never a cloned child).
std::string error_text(const char* call, const char* path, int err);
std::string error_text(const StepError& e);

// The errno's name ("ENOENT"), or "EUNKNOWN": what JS errors carry as .code.
const char* errno_name(int err);

}  // namespace ctr
