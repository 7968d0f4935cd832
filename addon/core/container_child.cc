#include "container_child.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "birth_trace.h"
#include "fd_passing.h"
#include "netlink.h"
#include "process_setup.h"
#include "step_error.h"

namespace ctr {
namespace {

const ChildFds* g_fds;

[[noreturn]] void fail(const char* call, const char* path, int err, int status = 126) {
  StepError e{};
  set_error(&e, call, path, err);
  ssize_t unused = write(g_fds->error_fd, &e, sizeof e);
  (void)unused;
  _exit(status);
}

void check(int rc, const char* call, const char* path) {
  if (rc >= 0) trace_step(g_fds->trace, call, path);
  if (rc < 0) fail(call, path, errno);
}

void check_nl(int rc, const char* call, const char* path) {
  if (rc >= 0) trace_step(g_fds->trace, call, path);
  if (rc < 0) fail(call, path, -rc);
}

void mkdir_if_missing(const char* path, mode_t mode) {
  if (mkdir(path, mode) < 0 && errno != EEXIST) fail("mkdir", path, errno);
}

// mkdir -p for a relative path, with a stack copy to cut at each '/'. The kernel
// refuses any path of PATH_MAX bytes or more, so a longer one is refused here, not cut.
void mkdir_parents(const char* path) {
  char buf[PATH_MAX];
  if (!copy_cstr(buf, sizeof buf, path)) fail("mkdir", path, ENAMETOOLONG);
  for (char* p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir_if_missing(buf, 0755);
    *p = '/';
  }
  mkdir_if_missing(buf, 0755);
}

void wait_for_parent(int sync_fd) {
  char go = 0;
  ssize_t n;
  do {
    n = read(sync_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) _exit(1);  // the parent gave up: nothing to report to
  close(sync_fd);
  trace_step(g_fds->trace, "held until placed", "the parent put it in its cgroup and made its veth");
}

// strcat and utoa into a fixed buffer, always terminated: async-signal-safe.
// They return false when dst had no room for all of src: the caller refuses to go on.
bool append(char* dst, size_t size, const char* src) {
  size_t used = strlen(dst);
  return copy_cstr(dst + used, size - used, src);
}

bool append_uint(char* dst, size_t size, unsigned value) {
  char digits[16];
  size_t i = sizeof digits - 1;
  digits[i] = '\0';
  do {
    digits[--i] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && i > 0);
  return append(dst, size, digits + i);
}

// No IPv6 on the container's end, as docker does on an IPv4-only network: no router
// solicitations or MLD reports on the link, so its traffic is only what runs inside.
// A kernel without IPv6 has no such file, and nothing to disable.
void disable_ipv6(const char* ifname) {
  char path[96] = "/proc/sys/net/ipv6/conf/";
  if (!append(path, sizeof path, ifname) || !append(path, sizeof path, "/disable_ipv6")) {
    fail("open", "/proc/sys/net/ipv6/conf/IFNAME/disable_ipv6 (the interface name is too long)", ENAMETOOLONG);
  }
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    fail("open", path, errno);
  }
  ssize_t written = write(fd, "1", 1);
  if (written < 0) fail("write", path, errno);
  if (written != 1) fail("write", path, EIO);
  close(fd);
  trace_step(g_fds->trace, "write 1 to", path);
}

void setup_network(const NetPlan& net) {
  int sock = nl_open();
  check_nl(sock, "socket(NETLINK_ROUTE)", "");
  check_nl(nl_link_up(sock, "lo"), "netlink: set link up", "lo");
  if (!net.enabled) {
    close(sock);
    return;
  }
  disable_ipv6(net.ifname);
  check_nl(nl_add_address(sock, net.ifname, net.addr, net.prefix), "netlink: add address to", net.ifname);
  check_nl(nl_link_up(sock, net.ifname), "netlink: set link up", net.ifname);
  check_nl(nl_add_route(sock, net.ifname, net.gateway, 32, 0), "netlink: add route to the host end on", net.ifname);
  check_nl(nl_add_route(sock, net.ifname, 0, 0, net.gateway), "netlink: add default route on", net.ifname);
  close(sock);
}

void make_device(const char* path, unsigned major_no, unsigned minor_no) {
  check(mknod(path, S_IFCHR | 0666, makedev(major_no, minor_no)), "mknod", path);
}

void make_symlink(const char* target, const char* path) {
  check(symlink(target, path), "symlink", path);
}

// Run with the rootfs as the working directory: every path is relative to it.
void mount_filesystems(const SpawnPlan& plan) {
  mkdir_if_missing("proc", 0555);
  check(mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), "mount proc on", "/proc");
  mkdir_if_missing("sys", 0555);
  check(mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), "mount sysfs on", "/sys");
  mkdir_if_missing("dev", 0755);
  check(mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"), "mount tmpfs on", "/dev");
  make_device("dev/null", 1, 3);
  make_device("dev/zero", 1, 5);
  make_device("dev/full", 1, 7);
  make_device("dev/random", 1, 8);
  make_device("dev/urandom", 1, 9);
  make_device("dev/tty", 5, 0);
  mkdir_if_missing("dev/pts", 0755);
  check(mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"),
        "mount devpts on", "/dev/pts");
  make_symlink("pts/ptmx", "dev/ptmx");
  mkdir_if_missing("dev/shm", 01777);
  check(mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"), "mount tmpfs on",
        "/dev/shm");
  make_symlink("/proc/self/fd", "dev/fd");
  make_symlink("/proc/self/fd/0", "dev/stdin");
  make_symlink("/proc/self/fd/1", "dev/stdout");
  make_symlink("/proc/self/fd/2", "dev/stderr");
  for (size_t i = 0; i < plan.mount_count; i++) {
    const BindMount& m = plan.mounts[i];
    mkdir_parents(m.target);
    check(mount(m.source, m.target, nullptr, MS_BIND | MS_REC, nullptr), "bind mount", m.source);
    if (m.readonly) {
      check(mount(nullptr, m.target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr),
            "remount read-only", m.target);
    }
  }
}

// The container's own writable layer, as docker's overlay2 gives it: an overlay whose lower
// layer is the shared rootfs and whose upper layer is on a tmpfs mounted (in this private mount
// namespace only) over the rootfs's path. What the container writes, and the mountpoints its
// /proc, /dev and shares need, never reach the rootfs on the host, and go with the container.
// Leaves the working directory at the merged root. Returns false, with nothing left mounted,
// when the kernel refuses the overlay (a rootfs on a filesystem overlayfs cannot use).
//
// The overlay's three directories are named by fd (/proc/self/fd/N), so its option
// string has a fixed bound whatever the rootfs's path: it can never be cut, nor pass
// the one page the kernel copies of mount(2)'s options.
int open_dir(const char* path, const char* what) {
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open", what, errno);
  return fd;
}

bool mount_writable_layer(const SpawnPlan& plan) {
  int lower = open_dir(plan.rootfs, plan.rootfs);
  check(mount("tmpfs", plan.rootfs, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755"), "mount tmpfs (the writable layer) on",
        plan.rootfs);
  check(chdir(plan.rootfs), "chdir", plan.rootfs);
  mkdir_if_missing("upper", 0755);
  mkdir_if_missing("work", 0755);
  mkdir_if_missing("root", 0755);
  int upper = open_dir("upper", "upper (the writable layer)");
  int work = open_dir("work", "work (the writable layer)");
  // 3 x ("xxxdir=/proc/self/fd/" + 10 digits) with commas: under 128.
  char options[128] = "";
  bool fits = append(options, sizeof options, "lowerdir=/proc/self/fd/") &&
              append_uint(options, sizeof options, static_cast<unsigned>(lower)) &&
              append(options, sizeof options, ",upperdir=/proc/self/fd/") &&
              append_uint(options, sizeof options, static_cast<unsigned>(upper)) &&
              append(options, sizeof options, ",workdir=/proc/self/fd/") &&
              append_uint(options, sizeof options, static_cast<unsigned>(work));
  // Never a cut option string: the overlay would be refused and the rootfs bound writable.
  if (!fits) fail("mount overlay on (its options do not fit)", plan.rootfs, ENAMETOOLONG);
  int rc = mount("overlay", "root", "overlay", 0, options);
  int err = errno;
  close(upper);
  close(work);
  if (rc < 0) {
    if (err != EINVAL && err != ENODEV && err != EOPNOTSUPP) fail("mount overlay on", plan.rootfs, err);
    check(chdir("/"), "chdir", "/");
    check(umount2(plan.rootfs, MNT_DETACH), "unmount the writable layer from", plan.rootfs);
    close(lower);
    return false;
  }
  trace_step(g_fds->trace, "mount overlay on", "/ (lower: the rootfs, upper: the tmpfs)");
  close(lower);
  check(chdir("root"), "chdir", "the container's root");
  return true;
}

// Its own cgroup, read-only at /sys/fs/cgroup: the cgroup namespace (unshared once the child was
// in its cgroup) makes that cgroup the root of what it mounts. v1: a tmpfs holding one directory
// per hierarchy it is in; v2: cgroup2 itself. Nothing else of the host's cgroups is reachable.
void mount_cgroup_view(const CgroupView& view) {
  const unsigned ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (view.version == 2) {
    check(mount("cgroup2", "sys/fs/cgroup", "cgroup2", ro, nullptr), "mount cgroup2 (read-only) on", "/sys/fs/cgroup");
    return;
  }
  if (view.version != 1) return;
  check(mount("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k"), "mount tmpfs on",
        "/sys/fs/cgroup");
  for (size_t i = 0; view.dirs[i]; i++) {
    mkdir_if_missing(view.dirs[i], 0555);
    check(mount("cgroup", view.dirs[i], "cgroup", ro, view.options[i]), "mount cgroup (read-only) on", view.dirs[i]);
  }
  for (size_t i = 0; view.links[i] && view.links[i + 1]; i += 2) make_symlink(view.links[i], view.links[i + 1]);
  check(mount(nullptr, "sys/fs/cgroup", nullptr, MS_REMOUNT | ro, "mode=755,size=64k"), "remount read-only",
        "/sys/fs/cgroup");
}

void enter_rootfs(const SpawnPlan& plan) {
  check(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make mounts private", "/");
  if (!mount_writable_layer(plan)) {
    // No overlay: the rootfs itself, bound on itself to make it a mount point for pivot_root.
    check(mount(plan.rootfs, plan.rootfs, nullptr, MS_BIND | MS_REC, nullptr), "bind mount rootfs", plan.rootfs);
    check(chdir(plan.rootfs), "chdir", plan.rootfs);
  }
  mount_filesystems(plan);
  mount_cgroup_view(plan.cgroup_view);
  check(static_cast<int>(syscall(SYS_pivot_root, ".", ".")), "pivot_root", plan.rootfs);
  check(umount2(".", MNT_DETACH), "detach the old root", "/");
  check(chdir("/"), "chdir", "/");
}

// What runtimes hide from a container, and what they make read-only.
void mask_kernel_files() {
  static const char* const kMaskedFiles[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"};
  static const char* const kMaskedDirs[] = {"/proc/acpi", "/proc/scsi", "/sys/firmware"};
  static const char* const kReadOnly[] = {"/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"};
  for (const char* path : kMaskedFiles) {
    if (mount("/dev/null", path, nullptr, MS_BIND, nullptr) < 0 && errno != ENOENT) fail("mask", path, errno);
    trace_step(g_fds->trace, "mask (bind /dev/null on)", path);
  }
  for (const char* path : kMaskedDirs) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") < 0 && errno != ENOENT) fail("mask", path, errno);
    trace_step(g_fds->trace, "mask (empty read-only tmpfs on)", path);
  }
  for (const char* path : kReadOnly) {
    if (mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) < 0) {
      if (errno == ENOENT) continue;
      fail("bind mount", path, errno);
    }
    check(mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
          "remount read-only", path);
  }
}

// Node opens its own stdio close-on-exec, so an inherited fd is made to
// survive exec; and libuv may have made a pipe non-blocking, which programs
// reading stdin do not expect.
void move_fd(int from, int to, const char* what) {
  if (from >= 0 && from != to) {
    check(dup2(from, to), "dup2", what);
  } else if (fcntl(to, F_SETFD, 0) < 0) {
    if (errno == EBADF) return;
    fail("fcntl(F_SETFD)", what, errno);
  }
  int flags = fcntl(to, F_GETFL);
  check(flags, "fcntl(F_GETFL)", what);
  if (flags & O_NONBLOCK) check(fcntl(to, F_SETFL, flags & ~O_NONBLOCK), "fcntl(F_SETFL)", what);
}

// A pty from the container's own devpts: the master goes to the parent, the
// slave becomes the controlling terminal and stdio.
void setup_console(const SpawnPlan& plan) {
  check(setsid(), "setsid", "");
  if (plan.console == Console::Inherit) {
    move_fd(plan.stdio[0], 0, "stdin");
    move_fd(plan.stdio[1], 1, "stdout");
    move_fd(plan.stdio[2], 2, "stderr");
    return;
  }
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  check(master, "open", "/dev/ptmx");
  int unlock = 0;
  check(ioctl(master, TIOCSPTLCK, &unlock), "ioctl(TIOCSPTLCK)", "/dev/ptmx");
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  check(slave, "ioctl(TIOCGPTPEER)", "/dev/ptmx");
  check_nl(send_fd(g_fds->console_fd, master), "sendmsg(the pty master)", "");
  close(master);
  close(g_fds->console_fd);
  check(ioctl(slave, TIOCSCTTY, 0), "ioctl(TIOCSCTTY)", "the container's pty");
  for (int fd = 0; fd < 3; fd++) check(dup2(slave, fd), "dup2", "the container's pty");
  if (slave > 2) close(slave);
}

void drop_privileges(const SpawnPlan& plan) {
  const char* call = "";
  int rc = ctr::drop_privileges(plan.keep_caps, plan.cap_last, &call);
  if (rc < 0) fail(call, "", -rc);
}

void join_session_keyring(const SpawnPlan& plan) {
  const char* call = "";
  int rc = join_new_session_keyring(plan.session_keyring, &call);
  if (rc < 0) fail(call, plan.session_keyring, -rc);
}

void load_seccomp(const sock_fprog* prog) {
  const char* call = "";
  int rc = load_seccomp_filter(prog, &call);
  if (rc < 0) fail(call, "", -rc);
}

[[noreturn]] void exec_command(const SpawnPlan& plan) {
  int err = -exec_with_path(plan.argv, plan.envp, plan.path);
  fail("exec", plan.argv[0], err, err == ENOENT ? 127 : 126);
}

}  // namespace

void container_child(const SpawnPlan& plan, const ChildFds& fds, const sock_fprog* seccomp) {
  g_fds = &fds;
  trace_start(fds.trace);
  // Die with the parent: before release, a dead parent also closes sync_fd.
  check(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)", "");
  wait_for_parent(fds.sync_fd);
  umask(022);
  // Only now is the child in its own cgroup, so the cgroup namespace is rooted there.
  check(unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)", "");
  check(sethostname(plan.hostname, strlen(plan.hostname)), "sethostname", plan.hostname);
  setup_network(plan.net);
  enter_rootfs(plan);
  mask_kernel_files();
  setup_console(plan);
  join_session_keyring(plan);
  trace_step(fds.trace, "join a new session keyring", plan.session_keyring);
  drop_privileges(plan);
  trace_step(fds.trace, "drop capabilities, set no_new_privs", "keeps docker's default set");
  // Every inherited fd closes at exec (CVE-2024-21626); the error pipe with them.
  check(static_cast<int>(syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC)), "close_range", "");
  load_seccomp(seccomp);
  trace_step(fds.trace, "load the seccomp filter", "");
  exec_command(plan);
}

}  // namespace ctr
