#include "spawn_binding.h"

#include <arpa/inet.h>
#include <cerrno>
#include <map>
#include <sched.h>
#include <string>
#include <vector>

#include "../core/spawn.h"
#include "errors.h"

namespace ctr {
namespace {

std::map<pid_t, Spawned> g_pending;  // cloned children not yet released

std::vector<std::string> strings(const Napi::Value& value) {
  std::vector<std::string> out;
  if (!value.IsArray()) return out;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(array.Get(i).ToString().Utf8Value());
  return out;
}

std::vector<const char*> null_terminated(const std::vector<std::string>& items) {
  std::vector<const char*> out;
  for (const auto& s : items) out.push_back(s.c_str());
  out.push_back(nullptr);
  return out;
}

uint32_t ipv4(Napi::Env env, const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) {
    throw Napi::TypeError::New(env, "not an IPv4 address: " + text);
  }
  return addr.s_addr;
}

int namespace_flags(Napi::Env env, const std::vector<std::string>& names) {
  static const std::map<std::string, int> kFlags = {
      {"pid", CLONE_NEWPID}, {"mount", CLONE_NEWNS}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET}};
  int flags = 0;
  for (const auto& name : names) {
    auto it = kFlags.find(name);
    if (it == kFlags.end()) throw Napi::TypeError::New(env, "unknown namespace: " + name);
    flags |= it->second;
  }
  return flags;
}

std::string str(const Napi::Object& o, const char* key) { return o.Get(key).ToString().Utf8Value(); }

}  // namespace

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object p = info[0].As<Napi::Object>();
  std::string rootfs = str(p, "rootfs"), hostname = str(p, "hostname"), path = str(p, "path");
  std::string keyring = str(p, "sessionKeyring");
  auto argv_s = strings(p.Get("argv")), env_s = strings(p.Get("env"));
  if (argv_s.empty()) throw Napi::TypeError::New(env, "spawn: argv is empty");
  auto argv = null_terminated(argv_s), envp = null_terminated(env_s);

  std::vector<std::string> mount_strings;
  std::vector<bool> mount_ro;
  Napi::Array mounts = p.Get("mounts").As<Napi::Array>();
  for (uint32_t i = 0; i < mounts.Length(); i++) {
    Napi::Object m = mounts.Get(i).As<Napi::Object>();
    mount_strings.push_back(str(m, "source"));
    mount_strings.push_back(str(m, "target"));
    mount_ro.push_back(m.Get("readonly").ToBoolean());
  }
  std::vector<BindMount> binds;
  for (size_t i = 0; i < mount_ro.size(); i++) {
    binds.push_back({mount_strings[2 * i].c_str(), mount_strings[2 * i + 1].c_str(), mount_ro[i]});
  }

  SpawnPlan plan{};
  plan.rootfs = rootfs.c_str();
  plan.hostname = hostname.c_str();
  plan.session_keyring = keyring.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.path = path.c_str();
  plan.mounts = binds.data();
  plan.mount_count = binds.size();
  std::string ifname;
  if (p.Get("net").IsObject()) {
    Napi::Object net = p.Get("net").As<Napi::Object>();
    ifname = str(net, "ifname");
    plan.net = {true, ifname.c_str(), ipv4(env, str(net, "address")),
                static_cast<uint8_t>(net.Get("prefix").ToNumber().Uint32Value()), ipv4(env, str(net, "gateway"))};
  }
  plan.console = str(p, "console") == "pty" ? Console::Pty : Console::Inherit;
  Napi::Value stdio = p.Get("stdio");
  for (int i = 0; i < 3; i++) {
    plan.stdio[i] = stdio.IsArray() ? stdio.As<Napi::Array>().Get(i).ToNumber().Int32Value() : -1;
  }
  for (const auto& cap : strings(p.Get("keepCaps"))) plan.keep_caps |= uint64_t{1} << std::stoi(cap);
  plan.cap_last = p.Get("capLast").ToNumber().Int32Value();
  plan.clone_flags = namespace_flags(env, strings(p.Get("namespaces")));
  plan.birth_trace = p.Get("trace").ToBoolean();
  // The cgroup view: {version, dirs, options, links}, or null.
  std::vector<std::string> view_dirs, view_options, view_links;
  if (p.Get("cgroupView").IsObject()) {
    Napi::Object view = p.Get("cgroupView").As<Napi::Object>();
    plan.cgroup_view.version = view.Get("version").ToNumber().Int32Value();
    view_dirs = strings(view.Get("dirs"));
    view_options = strings(view.Get("options"));
    view_links = strings(view.Get("links"));
    if (view_dirs.size() != view_options.size() || view_links.size() % 2 != 0) {
      throw Napi::TypeError::New(env, "spawn: cgroupView needs one option per dir and links in pairs");
    }
  }
  auto dirs_c = null_terminated(view_dirs), options_c = null_terminated(view_options), links_c = null_terminated(view_links);
  plan.cgroup_view.dirs = dirs_c.data();
  plan.cgroup_view.options = options_c.data();
  plan.cgroup_view.links = links_c.data();

  Spawned spawned;
  StepError err{};
  if (spawn_container(plan, &spawned, &err) < 0) throw_step_error(env, err);
  g_pending[spawned.pid] = spawned;
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", spawned.pid);
  result.Set("pidfd", spawned.pidfd);
  return result;
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  auto it = g_pending.find(pid);
  if (it == g_pending.end()) throw_errno(env, "release", "pid " + std::to_string(pid) + " (no container waiting with that pid)", ESRCH);
  Spawned spawned = it->second;
  g_pending.erase(it);
  int master = -1;
  StepError err{};
  int rc = release_container(&spawned, &master, &err);
  std::string trace = take_birth_trace(&spawned);
  if (rc < 0) throw_step_error(env, err);
  Napi::Object result = Napi::Object::New(env);
  result.Set("ptyMaster", master >= 0 ? Napi::Value(Napi::Number::New(env, master)) : env.Null());
  result.Set("trace", trace.empty() ? env.Null() : Napi::Value(Napi::String::New(env, trace)));
  return result;
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  auto it = g_pending.find(pid);
  if (it == g_pending.end()) return env.Undefined();
  abort_container(&it->second);
  g_pending.erase(it);
  return env.Undefined();
}

}  // namespace ctr
