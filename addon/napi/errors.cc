#include "errors.h"

#include <cerrno>

namespace ctr {

Napi::Error native_error(Napi::Env env, const std::string& call, const std::string& path, int err) {
  Napi::Error error = Napi::Error::New(env, error_text(call.c_str(), path.c_str(), err));
  error.Set("call", Napi::String::New(env, call));
  if (!path.empty()) error.Set("path", Napi::String::New(env, path));
  error.Set("code", Napi::String::New(env, errno_name(err)));
  error.Set("errno", Napi::Number::New(env, err));
  return error;
}

void throw_errno(Napi::Env env, const std::string& call, const std::string& path, int err) {
  if (err < 0) err = errno;
  throw native_error(env, call, path, err);
}

void throw_step_error(Napi::Env env, const StepError& e) { throw native_error(env, e.call, e.path, e.err); }

}  // namespace ctr
