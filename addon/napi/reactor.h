// One epoll thread that tells JavaScript when a process exits (pidfd) or a
// file descriptor becomes readable (eventfd, inotify, /dev/kmsg), so that
// nothing ever blocks Node's event loop or its thread pool.
#pragma once
#include <napi.h>

namespace ctr {

Napi::Value WatchExit(const Napi::CallbackInfo& info);      // (pidfd, cb({code, signal}))
Napi::Value WatchReadable(const Napi::CallbackInfo& info);  // (fd, cb(), keepAlive) -> id
Napi::Value Unwatch(const Napi::CallbackInfo& info);        // (id)
void ReactorShutdown();

}  // namespace ctr
