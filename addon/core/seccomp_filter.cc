#include "seccomp_filter.h"

#include <cerrno>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ctr {
namespace {

// Refused with EPERM, as docker's default profile refuses them to a container without
// CAP_SYS_ADMIN (and the other capabilities its profile asks for: SYS_MODULE, SYS_TIME,
// SYS_PTRACE, SYS_RAWIO, SYS_NICE, SYSLOG, DAC_READ_SEARCH, SYS_PACCT, SYS_BOOT, SYS_TTY_CONFIG).
const int kRefused[] = {
    // the kernel keyring is not namespaced
    SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
    // namespaces and mounts: a container must not make or join others, or remount its own
    SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(mount), SCMP_SYS(umount), SCMP_SYS(umount2),
    SCMP_SYS(pivot_root), SCMP_SYS(mount_setattr), SCMP_SYS(fsopen), SCMP_SYS(fsconfig), SCMP_SYS(fsmount),
    SCMP_SYS(fspick), SCMP_SYS(move_mount), SCMP_SYS(open_tree),
    // file handles bypass the mount namespace
    SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at),
    // kernel programs, tracing and its code
    SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(lookup_dcookie), SCMP_SYS(fanotify_init),
    SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(create_module),
    SCMP_SYS(query_module), SCMP_SYS(get_kernel_syms), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load),
    SCMP_SYS(userfaultfd), SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
    // the machine as a whole
    SCMP_SYS(reboot), SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(acct), SCMP_SYS(syslog),
    SCMP_SYS(settimeofday), SCMP_SYS(clock_settime), SCMP_SYS(clock_adjtime), SCMP_SYS(quotactl),
    SCMP_SYS(quotactl_fd), SCMP_SYS(nfsservctl), SCMP_SYS(vhangup), SCMP_SYS(ioperm), SCMP_SYS(iopl),
    SCMP_SYS(_sysctl), SCMP_SYS(sysfs), SCMP_SYS(ustat), SCMP_SYS(uselib), SCMP_SYS(vm86), SCMP_SYS(vm86old),
    // other processes' memory and NUMA placement
    SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(process_madvise), SCMP_SYS(pidfd_getfd),
    SCMP_SYS(kcmp), SCMP_SYS(mbind), SCMP_SYS(set_mempolicy), SCMP_SYS(get_mempolicy), SCMP_SYS(move_pages),
    SCMP_SYS(set_mempolicy_home_node),
};

// clone() may not make namespaces (docker: allowed only when flags & 0x7E020000 is 0).
const unsigned long kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
                                         CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};

struct Built {
  std::vector<sock_filter> insns;
  sock_fprog prog{};
  StepError err{};
  bool ok = false;
};

bool fail(Built* b, const char* call, int errnum) {
  set_error(&b->err, call, "the seccomp filter", errnum);
  return false;
}

bool add_rules(scmp_filter_ctx ctx, Built* b) {
  // x86_64 also runs i386 code (int 0x80): the same rules for it, or its numbers would pass.
  // Other ABIs (x32) are not in the filter and kill the process (the bad-arch action).
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
    if (rc < 0 && rc != -EEXIST) return fail(b, "seccomp_arch_add(x86)", -rc);
  }
  for (int nr : kRefused) {
    // A name this architecture lacks (vm86 on x86_64) has a negative pseudo number;
    // libseccomp adds it to the architectures that have it and skips the others.
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc < 0) return fail(b, "seccomp_rule_add", -rc);
  }
  for (unsigned long flag : kNamespaceFlags) {
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    if (rc < 0) return fail(b, "seccomp_rule_add(clone)", -rc);
  }
  // clone3 passes its flags in memory, where seccomp cannot look: ENOSYS makes libc fall back to clone.
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc < 0) return fail(b, "seccomp_rule_add(clone3)", -rc);
  return true;
}

// libseccomp writes the program to an fd: a memfd, read back into memory.
bool export_program(scmp_filter_ctx ctx, Built* b) {
  int fd = memfd_create("ctr-tui-seccomp", MFD_CLOEXEC);
  if (fd < 0) return fail(b, "memfd_create", errno);
  bool ok = false;
  struct stat st{};
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) fail(b, "seccomp_export_bpf", -rc);
  else if (fstat(fd, &st) < 0) fail(b, "fstat", errno);
  else if (st.st_size <= 0 || st.st_size % sizeof(sock_filter) != 0) fail(b, "seccomp_export_bpf", EINVAL);
  else {
    b->insns.resize(static_cast<size_t>(st.st_size) / sizeof(sock_filter));
    ssize_t n = pread(fd, b->insns.data(), static_cast<size_t>(st.st_size), 0);
    if (n != st.st_size) fail(b, "pread", n < 0 ? errno : EIO);
    else ok = true;
  }
  close(fd);
  return ok;
}

void build(Built* b) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) {
    fail(b, "seccomp_init", ENOMEM);
    return;
  }
  // The child sets no_new_privs itself, just before it loads the filter.
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  // A call from an ABI the filter does not cover (x32) kills the whole process, not one thread.
  if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc < 0) fail(b, "seccomp_attr_set", -rc);
  else if (add_rules(ctx, b) && export_program(ctx, b)) {
    b->prog.len = static_cast<unsigned short>(b->insns.size());
    b->prog.filter = b->insns.data();
    b->ok = true;
  }
  seccomp_release(ctx);
}

}  // namespace

const sock_fprog* container_seccomp_program(StepError* err) {
  static Built built;
  static const bool once = (build(&built), true);
  (void)once;
  if (!built.ok) {
    *err = built.err;
    return nullptr;
  }
  return &built.prog;
}

}  // namespace ctr
