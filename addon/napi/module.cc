// The N-API surface of ctr-tui's native layer. No policy lives here: each
// export is one kernel operation, and every failure names its call and path.
#include <napi.h>

#include "device_binding.h"
#include "fd_binding.h"
#include "inotify_binding.h"
#include "netlink_binding.h"
#include "reactor.h"
#include "spawn_binding.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, ctr::Spawn));
  exports.Set("release", Napi::Function::New(env, ctr::Release));
  exports.Set("abort", Napi::Function::New(env, ctr::Abort));
  exports.Set("createVeth", Napi::Function::New(env, ctr::CreateVeth));
  exports.Set("deleteLink", Napi::Function::New(env, ctr::DeleteLink));
  exports.Set("linkUp", Napi::Function::New(env, ctr::LinkUp));
  exports.Set("addAddress", Napi::Function::New(env, ctr::AddAddress));
  exports.Set("addRoute", Napi::Function::New(env, ctr::AddRoute));
  exports.Set("linkExists", Napi::Function::New(env, ctr::LinkExists));
  exports.Set("netlinkDump", Napi::Function::New(env, ctr::NetlinkDump));
  exports.Set("watchExit", Napi::Function::New(env, ctr::WatchExit));
  exports.Set("watchReadable", Napi::Function::New(env, ctr::WatchReadable));
  exports.Set("watchSnapshot", Napi::Function::New(env, ctr::WatchSnapshot));
  exports.Set("takeSnapshot", Napi::Function::New(env, ctr::TakeSnapshot));
  exports.Set("unwatch", Napi::Function::New(env, ctr::Unwatch));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, ctr::PidfdSendSignal));
  exports.Set("pidfdOpen", Napi::Function::New(env, ctr::PidfdOpen));
  exports.Set("tryLockExclusive", Napi::Function::New(env, ctr::TryLockExclusive));
  exports.Set("setWindowSize", Napi::Function::New(env, ctr::SetWindowSize));
  exports.Set("openKmsg", Napi::Function::New(env, ctr::OpenKmsg));
  exports.Set("readKmsg", Napi::Function::New(env, ctr::ReadKmsg));
  exports.Set("oomEventfd", Napi::Function::New(env, ctr::OomEventfd));
  exports.Set("addCgroupEvent", Napi::Function::New(env, ctr::AddCgroupEvent));
  exports.Set("inotifyModify", Napi::Function::New(env, ctr::InotifyModify));
  exports.Set("inotifyInit", Napi::Function::New(env, ctr::InotifyInit));
  exports.Set("inotifyAdd", Napi::Function::New(env, ctr::InotifyAdd));
  exports.Set("inotifyRemove", Napi::Function::New(env, ctr::InotifyRemove));
  exports.Set("inotifyRead", Napi::Function::New(env, ctr::InotifyRead));
  exports.Set("inotifyFlags", ctr::InotifyFlags(env));
  exports.Set("drain", Napi::Function::New(env, ctr::Drain));
  exports.Set("attachDeviceFilter", Napi::Function::New(env, ctr::AttachDeviceFilter));
  env.AddCleanupHook([] { ctr::ReactorShutdown(); });
  return exports;
}

}  // namespace

NODE_API_MODULE(ctr_native, Init)
