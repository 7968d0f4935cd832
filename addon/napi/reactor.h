// One epoll thread that tells JavaScript when a process exits (pidfd) or a
// file descriptor becomes readable (eventfd, inotify, /dev/kmsg), so that
// nothing ever blocks Node's event loop or its thread pool.
#pragma once
#include <napi.h>

namespace ctr {

Napi::Value WatchExit(const Napi::CallbackInfo& info);      // (pidfd, cb({code, signal}))
Napi::Value WatchReadable(const Napi::CallbackInfo& info);  // (fd, cb(), keepAlive) -> id
// (fd, procsFiles, cb()) -> id: when fd fires, the reactor thread drains it and
// notes (host pid, pid inside) of every process in procsFiles; cb() then says
// there is something to take.
Napi::Value WatchSnapshot(const Napi::CallbackInfo& info);
Napi::Value TakeSnapshot(const Napi::CallbackInfo& info);  // (id) -> [host, inner, host, inner, ...]
Napi::Value Unwatch(const Napi::CallbackInfo& info);        // (id)
void ReactorShutdown();

}  // namespace ctr
