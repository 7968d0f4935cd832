{
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++20", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers"],
    "cflags": ["-Wall", "-Wextra", "-Werror"],
    "defines": ["_GNU_SOURCE"]
  },
  "targets": [
    {
      "target_name": "ctr_native",
      "sources": [
        "addon/core/step_error.cc",
        "addon/core/netlink.cc",
        "addon/core/container_child.cc",
        "addon/core/birth_trace.cc",
        "addon/core/spawn.cc",
        "addon/core/fd_passing.cc",
        "addon/core/process_setup.cc",
        "addon/core/seccomp_filter.cc",
        "addon/core/device_filter.cc",
        "addon/napi/errors.cc",
        "addon/napi/reactor.cc",
        "addon/napi/pid_snapshot.cc",
        "addon/napi/inotify_binding.cc",
        "addon/napi/spawn_binding.cc",
        "addon/napi/netlink_binding.cc",
        "addon/core/netlink_dump.cc",
        "addon/napi/fd_binding.cc",
        "addon/napi/device_binding.cc",
        "addon/napi/module.cc"
      ],
      "libraries": ["-lseccomp"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"]
    },
    {
      "target_name": "ctr-monitor",
      "type": "executable",
      "sources": [
        "addon/core/step_error.cc",
        "addon/core/netlink.cc",
        "addon/core/container_child.cc",
        "addon/core/birth_trace.cc",
        "addon/core/spawn.cc",
        "addon/core/fd_passing.cc",
        "addon/core/process_setup.cc",
        "addon/core/seccomp_filter.cc",
        "addon/monitor/monitor_args.cc",
        "addon/monitor/monitor_main.cc"
      ],
      "libraries": ["-lseccomp"]
    },
    {
      "target_name": "ctr-exec",
      "type": "executable",
      "sources": [
        "addon/core/step_error.cc",
        "addon/core/process_setup.cc",
        "addon/core/seccomp_filter.cc",
        "addon/exec/exec_main.cc"
      ],
      "libraries": ["-lseccomp"]
    }
  ]
}
