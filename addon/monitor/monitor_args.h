// ctr-monitor's command line, turned into a SpawnPlan whose strings this
// struct owns. ctr-tui builds the command line (src/runtime/monitor.ts).
#pragma once
#include <deque>
#include <string>
#include <vector>

#include "../core/spawn_plan.h"

namespace ctr {

struct MonitorArgs {
  SpawnPlan plan{};
  std::string state_dir;
  // The host's event journal, and this container's name in it (see src/runtime/event-journal.ts).
  std::string journal;
  std::string name;
  std::string oom_count_file;
  std::vector<std::string> cgroups;
  off_t log_max = 1 << 20;
  // Storage behind the plan's pointers.
  std::deque<std::string> strings;
  std::vector<const char*> argv, envp;
  std::vector<BindMount> mounts;
  std::vector<const char*> view_dirs, view_options, view_links;
};

// Returns "" or what is wrong with the command line.
std::string parse_monitor_args(int argc, char** argv, MonitorArgs* out);

}  // namespace ctr
