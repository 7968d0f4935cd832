#include "errors.h"

#include <cerrno>
#include <cstring>

namespace ctr {

static Napi::Error make_error(Napi::Env env, const std::string& message, int err) {
  Napi::Error error = Napi::Error::New(env, message);
  if (err > 0) {
    const char* name = strerrorname_np(err);
    error.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
    error.Set("errno", Napi::Number::New(env, err));
  }
  return error;
}

void throw_errno(Napi::Env env, const std::string& call, const std::string& path, int err) {
  if (err < 0) err = errno;
  std::string message = call + (path.empty() ? "" : " " + path) + ": " + strerror(err);
  throw make_error(env, message, err);
}

void throw_step_error(Napi::Env env, const StepError& e) {
  char text[512];
  format_step_error(e, text, sizeof text);
  Napi::Error error = make_error(env, text, e.err);
  error.Set("call", Napi::String::New(env, e.call));
  error.Set("path", Napi::String::New(env, e.path));
  throw error;
}

}  // namespace ctr
