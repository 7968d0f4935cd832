#include "netlink_binding.h"

#include <arpa/inet.h>
#include <cerrno>

#include <linux/rtnetlink.h>
#include <unistd.h>

#include "../core/netlink.h"
#include "../core/netlink_dump.h"
#include "errors.h"

namespace ctr {
namespace {

int host_socket(Napi::Env env) {
  static int sock = -1;
  if (sock < 0) {
    sock = nl_open();
    if (sock < 0) throw_errno(env, "socket", "NETLINK_ROUTE", -sock);
  }
  return sock;
}

std::string arg(const Napi::CallbackInfo& info, size_t i) { return info[i].ToString().Utf8Value(); }

uint32_t ipv4_arg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return 0;
  in_addr addr{};
  std::string text = arg(info, i);
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) throw Napi::TypeError::New(info.Env(), "not an IPv4 address: " + text);
  return addr.s_addr;
}

void check(Napi::Env env, int rc, const char* call, const std::string& what) {
  if (rc < 0) throw_errno(env, call, what, -rc);
}

}  // namespace

Napi::Value CreateVeth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string host = arg(info, 0), peer = arg(info, 1);
  pid_t pid = info[2].ToNumber().Int32Value();
  check(env, nl_create_veth(host_socket(env), host.c_str(), peer.c_str(), pid), "netlink: create veth pair", host + "/" + peer);
  return env.Undefined();
}

Napi::Value DeleteLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = arg(info, 0);
  int rc = nl_delete_link(host_socket(env), name.c_str());
  if (rc == -ENODEV) return Napi::Boolean::New(env, false);
  check(env, rc, "netlink: delete link", name);
  return Napi::Boolean::New(env, true);
}

Napi::Value LinkUp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = arg(info, 0);
  check(env, nl_link_up(host_socket(env), name.c_str()), "netlink: set link up", name);
  return env.Undefined();
}

Napi::Value AddAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = arg(info, 0);
  uint32_t addr = ipv4_arg(info, 1);
  auto prefix = static_cast<uint8_t>(info[2].ToNumber().Uint32Value());
  check(env, nl_add_address(host_socket(env), name.c_str(), addr, prefix), "netlink: add address", arg(info, 1) + " to " + name);
  return env.Undefined();
}

Napi::Value AddRoute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = arg(info, 0);
  uint32_t dst = ipv4_arg(info, 1);
  auto prefix = static_cast<uint8_t>(info[2].ToNumber().Uint32Value());
  uint32_t gateway = ipv4_arg(info, 3);
  check(env, nl_add_route(host_socket(env), name.c_str(), dst, prefix, gateway), "netlink: add route",
        arg(info, 1) + " on " + name);
  return env.Undefined();
}

Napi::Value LinkExists(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = arg(info, 0);
  int rc = nl_link_index(host_socket(env), name.c_str());
  if (rc == -ENODEV) return Napi::Boolean::New(env, false);
  check(env, rc, "netlink: get link", name);
  return Napi::Boolean::New(env, true);
}

Napi::Value NetlinkDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].ToNumber().Int32Value();
  std::string kind = arg(info, 1);
  uint16_t type = kind == "link" ? RTM_GETLINK : kind == "address" ? RTM_GETADDR : kind == "route" ? RTM_GETROUTE : 0;
  if (!type) throw Napi::TypeError::New(env, "netlinkDump: kind is link, address or route, not " + kind);
  const char* call = "";
  int sock = nl_open_in_netns(pid, &call);
  std::string where = pid ? "/proc/" + std::to_string(pid) + "/ns/net" : "this process's network namespace";
  if (sock < 0) throw_errno(env, call, where, -sock);
  std::vector<std::string> messages;
  int rc = nl_dump(sock, type, &messages);
  close(sock);
  if (rc < 0) throw_errno(env, "netlink: dump " + kind + "s of", where, -rc);
  Napi::Array out = Napi::Array::New(env, messages.size());
  for (size_t i = 0; i < messages.size(); i++) {
    out.Set(static_cast<uint32_t>(i), Napi::Buffer<char>::Copy(env, messages[i].data(), messages[i].size()));
  }
  return out;
}

}  // namespace ctr
