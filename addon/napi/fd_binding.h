// Small fd-level calls Node has no API for: pidfd signals, flock, pty window size,
// the kernel log, and the cgroup OOM notifiers (v1 eventfd, v2 inotify).
#pragma once
#include <napi.h>

namespace ctr {

Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info);  // (pidfd, signal) -> false when already gone
Napi::Value PidfdOpen(const Napi::CallbackInfo& info);        // (pid) -> pidfd
Napi::Value TryLockExclusive(const Napi::CallbackInfo& info); // (fd, path) -> false when another holds it (flock)
Napi::Value SetWindowSize(const Napi::CallbackInfo& info);    // (fd, cols, rows)
Napi::Value OpenKmsg(const Napi::CallbackInfo& info);         // () -> fd positioned at the end
Napi::Value ReadKmsg(const Napi::CallbackInfo& info);         // (fd) -> string[]
Napi::Value OomEventfd(const Napi::CallbackInfo& info);       // (oomControl, eventControl) -> eventfd
// (eventfd, eventControl, file, args): one more v1 cgroup event on the same eventfd,
// e.g. a memory.usage_in_bytes threshold.
Napi::Value AddCgroupEvent(const Napi::CallbackInfo& info);
Napi::Value InotifyModify(const Napi::CallbackInfo& info);    // (path) -> inotify fd
Napi::Value Drain(const Napi::CallbackInfo& info);            // (fd) -> bytes read until EAGAIN

}  // namespace ctr
