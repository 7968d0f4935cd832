#include "inotify_binding.h"

#include <cerrno>
#include <string>
#include <sys/inotify.h>
#include <unistd.h>

#include "errors.h"

namespace ctr {

Napi::Value InotifyInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw_errno(env, "inotify_init1", "");
  return Napi::Number::New(env, fd);
}

Napi::Value InotifyAdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].ToNumber().Int32Value();
  std::string path = info[1].ToString().Utf8Value();
  uint32_t mask = info[2].ToNumber().Uint32Value();
  int wd = inotify_add_watch(fd, path.c_str(), mask);
  if (wd < 0) throw_errno(env, "inotify_add_watch", path);
  return Napi::Number::New(env, wd);
}

Napi::Value InotifyRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // EINVAL: the watch is gone already (its file was removed).
  if (inotify_rm_watch(info[0].ToNumber().Int32Value(), info[1].ToNumber().Int32Value()) < 0 && errno != EINVAL) {
    throw_errno(env, "inotify_rm_watch", "");
  }
  return env.Undefined();
}

Napi::Value InotifyRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].ToNumber().Int32Value();
  Napi::Array events = Napi::Array::New(env);
  alignas(inotify_event) char buf[16384];
  for (uint32_t n = 0;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      throw_errno(env, "read", "inotify fd " + std::to_string(fd));
    }
    if (got == 0) break;
    for (ssize_t at = 0; at < got;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
      Napi::Object event = Napi::Object::New(env);
      event.Set("wd", ev->wd);
      event.Set("mask", ev->mask);
      event.Set("name", ev->len ? Napi::String::New(env, ev->name) : Napi::String::New(env, ""));
      events.Set(n++, event);
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
  return events;
}

Napi::Object InotifyFlags(Napi::Env env) {
  Napi::Object flags = Napi::Object::New(env);
  flags.Set("modify", IN_MODIFY);
  flags.Set("closeWrite", IN_CLOSE_WRITE);
  flags.Set("create", IN_CREATE);
  flags.Set("delete", IN_DELETE);
  flags.Set("deleteSelf", IN_DELETE_SELF);
  flags.Set("movedFrom", IN_MOVED_FROM);
  flags.Set("movedTo", IN_MOVED_TO);
  flags.Set("ignored", IN_IGNORED);
  flags.Set("overflow", IN_Q_OVERFLOW);
  flags.Set("onlyDir", IN_ONLYDIR);
  flags.Set("isDir", IN_ISDIR);
  return flags;
}

}  // namespace ctr
