#include "step_error.h"

#include <cstring>

namespace ctr {

void copy_cstr(char* dst, size_t size, const char* src) {
  if (size == 0) return;
  size_t i = 0;
  for (; src && src[i] && i + 1 < size; i++) dst[i] = src[i];
  dst[i] = '\0';
}

static size_t append(char* out, size_t size, size_t at, const char* s) {
  while (s && *s && at + 1 < size) out[at++] = *s++;
  if (size) out[at < size ? at : size - 1] = '\0';
  return at;
}

void format_step_error(const StepError& e, char* out, size_t size) {
  size_t at = append(out, size, 0, e.call);
  if (e.path[0]) {
    at = append(out, size, at, " ");
    at = append(out, size, at, e.path);
  }
  if (e.err) {
    at = append(out, size, at, ": ");
    // strerrordesc_np returns a static string and does not allocate.
    const char* desc = strerrordesc_np(e.err);
    append(out, size, at, desc ? desc : "unknown error");
  }
}

}  // namespace ctr
