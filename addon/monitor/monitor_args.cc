#include "monitor_args.h"

#include <arpa/inet.h>
#include <sched.h>
#include <cstdlib>
#include <cstring>

namespace ctr {
namespace {

bool ipv4(const std::string& text, uint32_t* out) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return false;
  *out = addr.s_addr;
  return true;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t at = 0;
  for (size_t next; (next = s.find(sep, at)) != std::string::npos; at = next + 1) parts.push_back(s.substr(at, next - at));
  parts.push_back(s.substr(at));
  return parts;
}

}  // namespace

std::string parse_monitor_args(int argc, char** argv, MonitorArgs* out) {
  SpawnPlan& plan = out->plan;
  plan.console = Console::Inherit;
  plan.clone_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  plan.birth_trace = false;
  auto keep = [out](const std::string& s) { return out->strings.emplace_back(s).c_str(); };
  int i = 1;
  for (; i < argc; i++) {
    std::string flag = argv[i];
    if (flag == "--") {
      i++;
      break;
    }
    if (flag == "--trace") {
      plan.birth_trace = true;
      continue;
    }
    if (i + 1 >= argc) return "missing value for " + flag;
    std::string value = argv[++i];
    if (flag == "--state-dir") out->state_dir = value;
    else if (flag == "--rootfs") plan.rootfs = keep(value);
    else if (flag == "--hostname") plan.hostname = keep(value);
    else if (flag == "--session-keyring") plan.session_keyring = keep(value);
    else if (flag == "--path") plan.path = keep(value);
    else if (flag == "--env") out->envp.push_back(keep(value));
    else if (flag == "--cgroup") out->cgroups.push_back(value);
    else if (flag == "--oom-count-file") out->oom_count_file = value;
    else if (flag == "--journal") out->journal = value;
    else if (flag == "--name") out->name = value;
    else if (flag == "--log-max") out->log_max = strtol(value.c_str(), nullptr, 10);
    else if (flag == "--cap-last") plan.cap_last = atoi(value.c_str());
    else if (flag == "--keep-caps") {
      for (const auto& cap : split(value, ',')) plan.keep_caps |= uint64_t{1} << atoi(cap.c_str());
    } else if (flag == "--mount") {
      auto parts = split(value, '\t');
      if (parts.size() != 3) return "--mount takes SOURCE<TAB>TARGET<TAB>ro|rw";
      out->mounts.push_back({keep(parts[0]), keep(parts[1]), parts[2] == "ro"});
    } else if (flag == "--net") {
      auto parts = split(value, ',');
      if (parts.size() != 4) return "--net takes IFNAME,ADDRESS,PREFIX,GATEWAY";
      plan.net.enabled = true;
      plan.net.ifname = keep(parts[0]);
      plan.net.prefix = static_cast<uint8_t>(atoi(parts[2].c_str()));
      if (!ipv4(parts[1], &plan.net.addr) || !ipv4(parts[3], &plan.net.gateway)) return "--net: bad IPv4 address";
    } else if (flag == "--cgroup-view") {
      plan.cgroup_view.version = atoi(value.c_str());
    } else if (flag == "--cgroup-view-mount") {
      auto parts = split(value, '\t');
      if (parts.size() != 2) return "--cgroup-view-mount takes DIR<TAB>OPTIONS";
      out->view_dirs.push_back(keep(parts[0]));
      out->view_options.push_back(keep(parts[1]));
    } else if (flag == "--cgroup-view-link") {
      auto parts = split(value, '\t');
      if (parts.size() != 2) return "--cgroup-view-link takes TARGET<TAB>LINK";
      out->view_links.push_back(keep(parts[0]));
      out->view_links.push_back(keep(parts[1]));
    } else {
      return "unknown option " + flag;
    }
  }
  for (; i < argc; i++) out->argv.push_back(keep(argv[i]));
  if (out->argv.empty()) return "no command given after --";
  if (!plan.rootfs || !plan.hostname || !plan.session_keyring || out->state_dir.empty()) {
    return "--rootfs, --hostname, --session-keyring and --state-dir are required";
  }
  if (!plan.path) plan.path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  out->argv.push_back(nullptr);
  out->envp.push_back(nullptr);
  plan.argv = out->argv.data();
  plan.envp = out->envp.data();
  plan.mounts = out->mounts.data();
  plan.mount_count = out->mounts.size();
  out->view_dirs.push_back(nullptr);
  out->view_options.push_back(nullptr);
  out->view_links.push_back(nullptr);
  plan.cgroup_view.dirs = out->view_dirs.data();
  plan.cgroup_view.options = out->view_options.data();
  plan.cgroup_view.links = out->view_links.data();
  return "";
}

}  // namespace ctr
