#pragma once
#include <napi.h>

namespace ctr {

// attachDeviceFilter(cgroupDir, rules): loads a cgroup v2 device program that allows only
// rules ({type: 'c'|'b', major: n|-1, minor: n|-1, access: 'rwm' subset}) and attaches it.
Napi::Value AttachDeviceFilter(const Napi::CallbackInfo& info);

}  // namespace ctr
