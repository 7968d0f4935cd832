// cgroup v2's device controller: a BPF_PROG_TYPE_CGROUP_DEVICE program,
// attached to a cgroup, that the kernel runs on every mknod and every open
// of a device node by a process in it (as runc and crun attach). It allows
// what the rules list and refuses everything else with EPERM.
#pragma once
#include <linux/bpf.h>
#include <string>
#include <vector>

namespace ctr {

enum DeviceAccess : unsigned { kDevMknod = BPF_DEVCG_ACC_MKNOD, kDevRead = BPF_DEVCG_ACC_READ, kDevWrite = BPF_DEVCG_ACC_WRITE };

struct DeviceRule {
  char type;       // 'c' or 'b'
  long major;      // -1: any
  long minor;      // -1: any
  unsigned access; // DeviceAccess bits
};

// The program's instructions: for each rule in order, allow what it allows; then deny.
std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules);

// Loads the program and attaches it to the cgroup directory dir (BPF_F_ALLOW_MULTI, so
// the programs of the cgroups above it still apply). Returns 0, or -errno with the failed
// call and what it was called on in *call and *path.
int attach_device_filter(const std::string& dir, const std::vector<DeviceRule>& rules, std::string* call, std::string* path);

}  // namespace ctr
