#include "device_filter.h"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ctr {
namespace {

// The instruction encodings of the kernel's filter.h macros (not in the uapi headers).
bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}
bpf_insn load_u32(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0); }
bpf_insn alu_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn jump_if_not(uint8_t dst, int32_t imm) { return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Registers: r1 the context (struct bpf_cgroup_dev_ctx), then the fields unpacked.
constexpr uint8_t R0 = 0, R1 = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5;
constexpr unsigned kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

long bpf(int cmd, bpf_attr* attr) { return syscall(SYS_bpf, cmd, attr, sizeof *attr); }

int load(const std::vector<bpf_insn>& program, char* log, uint32_t log_size) {
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.insns = reinterpret_cast<uintptr_t>(program.data());
  attr.license = reinterpret_cast<uintptr_t>("GPL");
  if (log) {
    attr.log_level = 1;
    attr.log_buf = reinterpret_cast<uintptr_t>(log);
    attr.log_size = log_size;
  }
  return static_cast<int>(bpf(BPF_PROG_LOAD, &attr));
}

}  // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules) {
  // ctx->access_type is (access << 16) | type.
  std::vector<bpf_insn> p = {
      load_u32(kType, R1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu_imm(BPF_AND, kType, 0xffff),
      load_u32(kAccess, R1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu_imm(BPF_RSH, kAccess, 16),
      load_u32(kMajor, R1, offsetof(bpf_cgroup_dev_ctx, major)),
      load_u32(kMinor, R1, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : rules) {
    // Each test jumps past the rule's block when the access does not match it.
    std::vector<bpf_insn> block;
    block.push_back(jump_if_not(kType, rule.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
    if ((rule.access & kAllAccess) != kAllAccess) {
      // Allowed only when nothing outside rule.access is asked for.
      block.push_back(mov_reg(R0, kAccess));
      block.push_back(alu_imm(BPF_AND, R0, static_cast<int32_t>(~rule.access & kAllAccess)));
      block.push_back(jump_if_not(R0, 0));
    }
    if (rule.major >= 0) block.push_back(jump_if_not(kMajor, static_cast<int32_t>(rule.major)));
    if (rule.minor >= 0) block.push_back(jump_if_not(kMinor, static_cast<int32_t>(rule.minor)));
    block.push_back(alu_imm(BPF_MOV, R0, 1));
    block.push_back(exit_insn());
    for (size_t i = 0; i < block.size(); i++) {
      if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) block[i].off = static_cast<int16_t>(block.size() - i - 1);
    }
    p.insert(p.end(), block.begin(), block.end());
  }
  p.push_back(alu_imm(BPF_MOV, R0, 0));
  p.push_back(exit_insn());
  return p;
}

int attach_device_filter(const std::string& dir, const std::vector<DeviceRule>& rules, std::string* call, std::string* path) {
  std::vector<bpf_insn> program = device_filter_program(rules);
  int prog = load(program, nullptr, 0);
  if (prog < 0) {
    int err = errno;
    *call = "bpf(BPF_PROG_LOAD)";
    *path = "the device program";
    if (err == EACCES || err == EINVAL) {
      // Again with the verifier's log, whose last line says why.
      std::string log(1 << 16, '\0');
      if (load(program, log.data(), static_cast<uint32_t>(log.size())) < 0) {
        log.resize(strlen(log.c_str()));
        while (!log.empty() && log.back() == '\n') log.pop_back();
        size_t cut = log.rfind('\n');
        if (!log.empty()) *path += " (verifier: " + log.substr(cut == std::string::npos ? 0 : cut + 1) + ")";
      }
    }
    return -err;
  }
  int cgroup = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup < 0) {
    int err = errno;
    close(prog);
    *call = "open";
    *path = dir;
    return -err;
  }
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(cgroup);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  int rc = 0;
  if (bpf(BPF_PROG_ATTACH, &attr) < 0) {
    rc = -errno;
    *call = "bpf(BPF_PROG_ATTACH)";
    *path = dir;
  }
  // The attachment holds the program for as long as the cgroup lives.
  close(cgroup);
  close(prog);
  return rc;
}

}  // namespace ctr
