#include "device_binding.h"

#include <string>
#include <vector>

#include "../core/device_filter.h"
#include "errors.h"

namespace ctr {
namespace {

DeviceRule rule_of(Napi::Env env, const Napi::Object& o) {
  std::string type = o.Get("type").ToString().Utf8Value();
  if (type != "c" && type != "b") throw Napi::TypeError::New(env, "attachDeviceFilter: type must be \"c\" or \"b\", not " + type);
  DeviceRule rule{type[0], o.Get("major").ToNumber().Int64Value(), o.Get("minor").ToNumber().Int64Value(), 0};
  for (char c : o.Get("access").ToString().Utf8Value()) {
    if (c == 'm') rule.access |= kDevMknod;
    else if (c == 'r') rule.access |= kDevRead;
    else if (c == 'w') rule.access |= kDevWrite;
    else throw Napi::TypeError::New(env, std::string("attachDeviceFilter: access takes r, w and m, not ") + c);
  }
  return rule;
}

}  // namespace

Napi::Value AttachDeviceFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].ToString().Utf8Value();
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<DeviceRule> rules;
  for (uint32_t i = 0; i < list.Length(); i++) rules.push_back(rule_of(env, list.Get(i).As<Napi::Object>()));
  std::string call, path;
  int rc = attach_device_filter(dir, rules, &call, &path);
  if (rc < 0) throw_errno(env, call, path, -rc);
  return env.Undefined();
}

}  // namespace ctr
