// The addon's side of the one native error type (../core/step_error.h): every
// failure becomes a JS Error "call path: strerror" carrying .call, .path (when
// there is one), .code (the errno's name, "ENOENT") and .errno.
#pragma once
#include <napi.h>
#include <string>

#include "../core/step_error.h"

namespace ctr {

// The Error, not thrown: for failures reported through a callback.
Napi::Error native_error(Napi::Env env, const std::string& call, const std::string& path, int err);

// err < 0 (the default) takes errno.
[[noreturn]] void throw_errno(Napi::Env env, const std::string& call, const std::string& path, int err = -1);
[[noreturn]] void throw_step_error(Napi::Env env, const StepError& e);

}  // namespace ctr
