// inotify with several watches on one fd, and the events read back with
// their names: how a watcher learns, at no cost while nothing happens, that
// a cgroup was made or removed, or that a file was appended to.
#pragma once
#include <napi.h>

namespace ctr {

Napi::Value InotifyInit(const Napi::CallbackInfo& info);    // () -> fd (non-blocking)
Napi::Value InotifyAdd(const Napi::CallbackInfo& info);     // (fd, path, mask) -> wd
Napi::Value InotifyRemove(const Napi::CallbackInfo& info);  // (fd, wd)
Napi::Value InotifyRead(const Napi::CallbackInfo& info);    // (fd) -> [{wd, mask, name}]
Napi::Object InotifyFlags(Napi::Env env);                   // the IN_* bits by name

}  // namespace ctr
