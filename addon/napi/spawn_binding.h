#pragma once
#include <napi.h>

namespace ctr {

Napi::Value Spawn(const Napi::CallbackInfo& info);    // (plan) -> {pid, pidfd}
Napi::Value Release(const Napi::CallbackInfo& info);  // (pid) -> {ptyMaster}
Napi::Value Abort(const Napi::CallbackInfo& info);    // (pid)

}  // namespace ctr
