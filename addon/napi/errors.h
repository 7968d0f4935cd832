#pragma once
#include <napi.h>
#include <string>

#include "../core/step_error.h"

namespace ctr {

// Throws a JS Error "call path: strerror" with .code = "ENOENT"-style name and .errno.
[[noreturn]] void throw_errno(Napi::Env env, const std::string& call, const std::string& path, int err = -1);
[[noreturn]] void throw_step_error(Napi::Env env, const StepError& e);

}  // namespace ctr
