#include "step_error.h"

#include <cstring>

namespace ctr {

bool copy_cstr(char* dst, size_t size, const char* src) {
  if (size == 0) return !src || !*src;
  size_t i = 0;
  for (; src && src[i] && i + 1 < size; i++) dst[i] = src[i];
  dst[i] = '\0';
  return !src || !src[i];
}

int set_error(StepError* e, const char* call, const char* path, int err) {
  e->err = err;
  copy_cstr(e->call, sizeof e->call, call);
  if (!copy_cstr(e->path, sizeof e->path, path)) {
    // Cut: say so, rather than name a different path.
    memcpy(e->path + sizeof e->path - 4, "...", 4);
  }
  return -err;
}

namespace {

// Appends s at out[at], keeping out terminated; returns the position after s
// as if there had been room, so the caller learns the whole length.
size_t append(char* out, size_t size, size_t at, const char* s) {
  for (; s && *s; s++, at++) {
    if (at + 1 < size) out[at] = *s;
  }
  if (size) out[at < size ? at : size - 1] = '\0';
  return at;
}

}  // namespace

size_t format_error(const char* call, const char* path, int err, char* out, size_t size) {
  if (size) out[0] = '\0';
  size_t at = append(out, size, 0, call);
  if (path && path[0]) {
    at = append(out, size, at, " ");
    at = append(out, size, at, path);
  }
  at = append(out, size, at, ": ");
  // strerrordesc_np returns a static string and does not allocate.
  const char* desc = strerrordesc_np(err);
  return append(out, size, at, desc ? desc : "unknown error");
}

size_t format_step_error(const StepError& e, char* out, size_t size) {
  return format_error(e.call, e.path, e.err, out, size);
}

std::string error_text(const char* call, const char* path, int err) {
  std::string text(format_error(call, path, err, nullptr, 0), '\0');
  format_error(call, path, err, text.data(), text.size() + 1);
  return text;
}

std::string error_text(const StepError& e) { return error_text(e.call, e.path, e.err); }

const char* errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

}  // namespace ctr
