#pragma once
#include <napi.h>

namespace ctr {

Napi::Value CreateVeth(const Napi::CallbackInfo& info);   // (host, peer, peerNsPid)
Napi::Value DeleteLink(const Napi::CallbackInfo& info);   // (name) -> false when absent
Napi::Value LinkUp(const Napi::CallbackInfo& info);       // (name)
Napi::Value AddAddress(const Napi::CallbackInfo& info);   // (name, address, prefix)
Napi::Value AddRoute(const Napi::CallbackInfo& info);     // (name, dst, prefix, gateway|null)
Napi::Value LinkExists(const Napi::CallbackInfo& info);   // (name) -> boolean
// (pid, kind: 'link'|'address'|'route') -> Buffer[]: the RTM_GET* dump of pid's network namespace (0: ours).
Napi::Value NetlinkDump(const Napi::CallbackInfo& info);

}  // namespace ctr
