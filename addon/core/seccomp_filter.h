// The seccomp filter every container process runs under: docker's default
// profile's refusals for a container without CAP_SYS_ADMIN, as a deny-list.
//
// Built with libseccomp, which allocates, so only in a parent before
// clone()/fork(): the child gets the finished BPF program in its copy of
// the memory and only hands it to the kernel (process_setup.h).
#pragma once
#include <linux/filter.h>

#include "step_error.h"

namespace ctr {

// The program, built on first use and kept for the life of the process.
// Returns nullptr with *err filled in (call: the libseccomp step that failed).
const sock_fprog* container_seccomp_program(StepError* err);

}  // namespace ctr
