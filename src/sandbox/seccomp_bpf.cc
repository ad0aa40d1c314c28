// SPDX-License-Identifier: Apache-2.0
#include "sandbox/seccomp_bpf.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <asm/ioctls.h>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "sandbox/builtin_data.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::ErrorSource;
using base::Result;

constexpr uint32_t kX32SyscallBit = 0x40000000;

Error policyError(std::string message) {
  return Error{std::move(message), 0, ErrorSource::Config};
}

uint32_t kernelAction(const SeccompAction& a) {
  switch (a.kind) {
    case SeccompActionKind::KillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompActionKind::KillThread:
      return SCMP_ACT_KILL_THREAD;
    case SeccompActionKind::Trap:
      return SCMP_ACT_TRAP;
    case SeccompActionKind::Errno:
      return SCMP_ACT_ERRNO(static_cast<uint32_t>(a.errno_value));
    case SeccompActionKind::Trace:
      return SCMP_ACT_TRACE(static_cast<uint32_t>(a.errno_value));
    case SeccompActionKind::Log:
      return SCMP_ACT_LOG;
    case SeccompActionKind::Allow:
      return SCMP_ACT_ALLOW;
  }
  return SCMP_ACT_KILL_PROCESS;
}

// Actions the supervisor can carry out faithfully after a notification.
bool reportable(SeccompActionKind kind) {
  return kind == SeccompActionKind::KillProcess || kind == SeccompActionKind::Errno ||
         kind == SeccompActionKind::Log;
}

scmp_compare scmpOp(ArgOp op) {
  switch (op) {
    case ArgOp::Ne:
      return SCMP_CMP_NE;
    case ArgOp::Lt:
      return SCMP_CMP_LT;
    case ArgOp::Le:
      return SCMP_CMP_LE;
    case ArgOp::Eq:
      return SCMP_CMP_EQ;
    case ArgOp::Ge:
      return SCMP_CMP_GE;
    case ArgOp::Gt:
      return SCMP_CMP_GT;
    case ArgOp::MaskedEq:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

uint32_t scmpArchToken(SeccompArch arch) {
  switch (arch) {
    case SeccompArch::Native:
      return SCMP_ARCH_X86_64;
    case SeccompArch::X86:
      return SCMP_ARCH_X86;
    case SeccompArch::X32:
      return SCMP_ARCH_X32;
  }
  return SCMP_ARCH_X86_64;
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

Result<BpfProgram> exportProgram(scmp_filter_ctx ctx) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, "meshgate-bpf", MFD_CLOEXEC));
  if (fd < 0) return base::errnoError("memfd_create for the seccomp program");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    ::close(fd);
    return base::errnoError("seccomp_export_bpf", -rc);
  }
  off_t size = ::lseek(fd, 0, SEEK_END);
  BpfProgram out;
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    ::close(fd);
    return Error{"seccomp_export_bpf produced a malformed program", 0, ErrorSource::Local};
  }
  out.insns.resize(static_cast<size_t>(size) / sizeof(sock_filter));
  ssize_t n = ::pread(fd, out.insns.data(), static_cast<size_t>(size), 0);
  int err = errno;
  ::close(fd);
  if (n != size) return base::errnoError("reading the exported seccomp program", err);
  return out;
}

// A tiny assembler for the hand-written filters, with forward labels.
class Asm {
 public:
  void ldNr() { emit(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)); }
  void ldArch() { emit(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)); }
  // Low 32 bits of argument i (little-endian).
  void ldArgLow(unsigned i) {
    emit(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(offsetof(seccomp_data, args) + 8 * i));
  }
  void ret(uint32_t value) { emit(BPF_RET | BPF_K, value); }
  // if (A == k) goto label
  void jeq(uint32_t k, int label) {
    fixups_.push_back({insns_.size(), label});
    insns_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0));
  }
  int newLabel() {
    labels_.push_back(-1);
    return static_cast<int>(labels_.size()) - 1;
  }
  void bind(int label) { labels_[static_cast<size_t>(label)] = static_cast<int>(insns_.size()); }
  BpfProgram finish() {
    for (const Fixup& f : fixups_) {
      int target = labels_[static_cast<size_t>(f.label)];
      MG_ASSERT(target > static_cast<int>(f.at), "BPF jumps only go forward");
      int offset = target - static_cast<int>(f.at) - 1;
      MG_ASSERT(offset < 256, "BPF conditional jump out of range");
      insns_[f.at].jt = static_cast<uint8_t>(offset);
    }
    return BpfProgram{std::move(insns_)};
  }

 private:
  struct Fixup {
    size_t at;
    int label;
  };
  void emit(uint16_t code, uint32_t k) { insns_.push_back(BPF_STMT(code, k)); }
  std::vector<sock_filter> insns_;
  std::vector<Fixup> fixups_;
  std::vector<int> labels_;
};

// i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl).
constexpr uint32_t kI386Ioctl = 54;
constexpr uint32_t kI386Socketcall = 102;
constexpr uint32_t kI386Socket = 359;
constexpr uint32_t kI386Socketpair = 360;
// socketcall(2) call numbers (linux/net.h).
constexpr uint32_t kSysSocket = 1;
constexpr uint32_t kSysSocketpair = 8;
// x32 numbers of the calls that differ from x86_64 (syscall_64.tbl "x32").
constexpr uint32_t kX32Ioctl = 514;

}  // namespace

namespace {

// One context per ABI, merged at the end: libseccomp translates names between
// ABIs only for syscalls in its own tables, and a single-ABI context lets the
// newer ones go in by number.
Result<Ctx> newContext(SeccompArch arch, uint32_t default_action, bool notify_badarch) {
  Ctx ctx(seccomp_init(default_action));
  if (!ctx) return Error{"seccomp_init failed", 0, ErrorSource::Local};
  scmp_filter_ctx c = ctx.get();
  int rc = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH,
                            notify_badarch ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS);
  if (rc == 0) rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
  // A binary search over syscall numbers: large allowlists (Docker's ~370
  // names) cost a handful of comparisons instead of hundreds.
  if (rc == 0) rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0) return base::errnoError("seccomp_attr_set", -rc);
  if (arch != SeccompArch::Native) {
    rc = seccomp_arch_remove(c, SCMP_ARCH_NATIVE);
    if (rc == 0) rc = seccomp_arch_add(c, scmpArchToken(arch));
    if (rc < 0) return base::errnoError(std::string("seccomp_arch_add ") + archName(arch), -rc);
  }
  return ctx;
}

// Adds one rule for `name` to a single-ABI context. Returns false when the ABI
// has no such syscall.
Result<bool> addRule(scmp_filter_ctx c, SeccompArch arch, const std::string& name,
                     const SyscallRule& rule) {
  std::vector<scmp_arg_cmp> conds;
  for (const ArgCondition& a : rule.args) {
    conds.push_back(scmp_arg_cmp{a.index, scmpOp(a.op), a.value, a.value_two});
  }
  // libseccomp's own numbering (native numbers, translated by name; pseudo
  // numbers for the x86 socketcall family), or ours for newer syscalls.
  int scmp_nr = seccomp_syscall_resolve_name(name.c_str());
  bool exact = false;
  int nr = scmp_nr;
  if (scmp_nr == __NR_SCMP_ERROR) {
    // libseccomp rejects numbers it cannot name on its non-native ABIs:
    // there, syscalls newer than its tables keep the default action.
    auto own = syscallNumber(name, arch);
    if (!own || arch != SeccompArch::Native) return false;
    nr = *own;
    exact = true;
  } else if (arch != SeccompArch::Native &&
             seccomp_syscall_resolve_name_arch(scmpArchToken(arch), name.c_str()) ==
                 __NR_SCMP_ERROR) {
    return false;
  }
  auto add = [&](const scmp_arg_cmp* cs, unsigned n) -> int {
    if (exact) return seccomp_rule_add_exact_array(c, kernelAction(rule.action), nr, n, cs);
    return seccomp_rule_add_array(c, kernelAction(rule.action), nr, n, cs);
  };
  int rc = 0;
  if (rule.split_same_index_conditions && conds.size() > 1) {
    for (const scmp_arg_cmp& cond : conds) {
      rc = add(&cond, 1);
      if (rc < 0 && rc != -EEXIST) break;
    }
  } else {
    rc = add(conds.data(), static_cast<unsigned>(conds.size()));
  }
  if (rc == -EEXIST || rc == -EACCES) return true;  // duplicate, or same as the default
  // A native syscall without an equivalent on this ABI.
  if (rc == -EDOM && arch != SeccompArch::Native) return false;
  if (rc < 0) {
    return Error{"seccomp: cannot add the rule for '" + name + "' (" + archName(arch) +
                     "): " + std::strerror(-rc),
                 -rc, ErrorSource::Config};
  }
  return true;
}

}  // namespace

Result<CompiledPolicy> compilePolicyUncached(const SeccompPolicy& policy, FilterMode mode) {
  const bool notify_default = mode == FilterMode::Learn || (mode == FilterMode::Report &&
                                                            reportable(policy.default_action.kind));
  const bool notify_badarch = mode != FilterMode::Enforce;
  uint32_t default_action = notify_default ? SCMP_ACT_NOTIFY : kernelAction(policy.default_action);

  // Learning lets execve through unreported: pid 1 is suspended in vfork
  // until the exec, so nobody could answer a notification for it yet.
  std::vector<SyscallRule> learn_rules = {{{"execve"}, SeccompAction::allow(), {}, false}};
  const std::vector<SyscallRule>& rules = mode == FilterMode::Learn ? learn_rules : policy.rules;

  CompiledPolicy out;
  out.uses_notification = notify_default || notify_badarch;
  out.kernel_log = policy.kernel_log;
  std::set<std::string> unknown;
  std::set<int> allowed_native;
  // Unconditional action per name, to report conflicts.
  std::map<std::string, SeccompAction> unconditional;
  std::vector<std::pair<const SyscallRule*, std::string>> effective;
  for (const SyscallRule& rule : rules) {
    for (const std::string& name : rule.names) {
      bool known = seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR;
      for (SeccompArch arch : policy.architectures)
        known |= syscallNumber(name, arch).has_value();
      if (!known) {
        unknown.insert(name);
        continue;
      }
      if (auto native = syscallNumber(name, SeccompArch::Native);
          native && rule.action.kind == SeccompActionKind::Allow) {
        allowed_native.insert(*native);
      }
      // Rules that repeat the default action add nothing (runc skips them
      // too) unless the default is reported: then they are quiet denials.
      if (!notify_default && kernelAction(rule.action) == default_action) continue;
      if (rule.args.empty()) {
        auto [it, inserted] = unconditional.try_emplace(name, rule.action);
        if (!inserted) {
          if (!(it->second == rule.action)) {
            return policyError("seccomp: conflicting unconditional rules for '" + name +
                               "': " + actionName(it->second.kind) + " and " +
                               actionName(rule.action.kind));
          }
          continue;
        }
      }
      effective.emplace_back(&rule, name);
    }
  }

  Ctx merged;
  for (SeccompArch arch : policy.architectures) {
    auto ctx = newContext(arch, default_action, notify_badarch);
    if (!ctx.ok()) return std::move(ctx).error();
    for (const auto& [rule, name] : effective) {
      auto added = addRule(ctx.value().get(), arch, name, *rule);
      if (!added.ok()) return std::move(added).error();
    }
    if (!merged) {
      merged = std::move(ctx).value();
      continue;
    }
    // seccomp_merge consumes the second context on success.
    scmp_filter_ctx second = ctx.value().release();
    int rc = seccomp_merge(merged.get(), second);
    if (rc < 0) {
      seccomp_release(second);
      return base::errnoError(std::string("seccomp_merge ") + archName(arch), -rc);
    }
  }
  if (!merged) return policyError("seccomp: no architecture");
  auto program = exportProgram(merged.get());
  if (!program.ok()) return std::move(program).error();
  out.program = std::move(program).value();
  out.unknown_syscalls.assign(unknown.begin(), unknown.end());
  out.allowed_syscalls = allowed_native.size();

  // The supervisor execs the command after installing the filter.
  uint32_t exec_result = evaluate(out.program, nativeCall(SYS_execve)) & SECCOMP_RET_ACTION_FULL;
  if (exec_result != SECCOMP_RET_ALLOW && exec_result != SECCOMP_RET_LOG) {
    return policyError(
        "seccomp: the policy must allow execve (the sandbox execs the command "
        "after installing the filter)");
  }
  return out;
}

std::string policyCacheKey(const SeccompPolicy& policy, FilterMode mode) {
  std::string key = std::to_string(static_cast<int>(mode)) + "|" +
                    std::to_string(static_cast<int>(policy.default_action.kind)) + "," +
                    std::to_string(policy.default_action.errno_value) + "|" +
                    (policy.kernel_log ? "L" : "-");
  for (SeccompArch a : policy.architectures)
    key += std::to_string(static_cast<int>(a));
  for (const SyscallRule& r : policy.rules) {
    key += "|" + std::to_string(static_cast<int>(r.action.kind)) + "," +
           std::to_string(r.action.errno_value) + (r.split_same_index_conditions ? "S" : "-");
    for (const std::string& n : r.names)
      key += ":" + n;
    for (const ArgCondition& c : r.args) {
      key += ";" + std::to_string(c.index) + "," + std::to_string(static_cast<int>(c.op)) + "," +
             std::to_string(c.value) + "," + std::to_string(c.value_two);
    }
  }
  return key;
}

Result<CompiledPolicy> compilePolicy(const SeccompPolicy& policy, FilterMode mode) {
  // Supervisors restart the same workloads: keep the last few programs
  // (libseccomp takes milliseconds for Docker-sized policies).
  static std::mutex mu;
  static std::list<std::pair<std::string, CompiledPolicy>> cache;  // most recent first
  constexpr size_t kCacheSize = 16;
  std::string key = policyCacheKey(policy, mode);
  // The built-in profiles' programs, compiled at build time by the same
  // libseccomp (linked statically): only used when libseccomp sees the same
  // kernel API level as it did then.
  static const int api_level = static_cast<int>(seccomp_api_get());
  if (auto pre = precompiledPolicy(api_level, key)) return std::move(*pre);
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->first == key) {
        cache.splice(cache.begin(), cache, it);
        return cache.front().second;
      }
    }
  }
  auto compiled = compilePolicyUncached(policy, mode);
  if (!compiled.ok()) return compiled;
  std::lock_guard<std::mutex> lock(mu);
  cache.emplace_front(std::move(key), compiled.value());
  if (cache.size() > kCacheSize) cache.pop_back();
  return compiled;
}

BpfProgram compileBaseline(const std::vector<int>& families,
                           const std::vector<SeccompArch>& architectures) {
  bool x86 = false;
  bool x32 = false;
  for (SeccompArch a : architectures) {
    x86 |= a == SeccompArch::X86;
    x32 |= a == SeccompArch::X32;
  }
  Asm a;
  int native = a.newLabel();
  int i386 = a.newLabel();
  int sock = a.newLabel();
  int ioctl = a.newLabel();
  int sockcall = a.newLabel();
  a.ldArch();
  a.jeq(AUDIT_ARCH_X86_64, native);
  if (x86) a.jeq(AUDIT_ARCH_I386, i386);
  // Other ABIs never reach a syscall: the policy filter refuses them.
  a.ret(SECCOMP_RET_ALLOW);

  a.bind(native);
  a.ldNr();
  a.jeq(SYS_socket, sock);
  a.jeq(SYS_socketpair, sock);
  a.jeq(SYS_ioctl, ioctl);
  if (x32) {
    a.jeq(SYS_socket | kX32SyscallBit, sock);
    a.jeq(SYS_socketpair | kX32SyscallBit, sock);
    a.jeq(kX32Ioctl | kX32SyscallBit, ioctl);
  }
  a.ret(SECCOMP_RET_ALLOW);

  a.bind(i386);
  if (x86) {
    a.ldNr();
    a.jeq(kI386Socket, sock);
    a.jeq(kI386Socketpair, sock);
    a.jeq(kI386Ioctl, ioctl);
    a.jeq(kI386Socketcall, sockcall);
    a.ret(SECCOMP_RET_ALLOW);
  }

  a.bind(sockcall);
  if (x86) {
    int deny = a.newLabel();
    a.ldArgLow(0);
    a.jeq(kSysSocket, deny);
    a.jeq(kSysSocketpair, deny);
    a.ret(SECCOMP_RET_ALLOW);
    a.bind(deny);
    a.ret(SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  }

  a.bind(sock);
  {
    int allow = a.newLabel();
    a.ldArgLow(0);
    for (int f : families)
      a.jeq(static_cast<uint32_t>(f), allow);
    a.ret(SECCOMP_RET_ERRNO | EAFNOSUPPORT);
    a.bind(allow);
    a.ret(SECCOMP_RET_ALLOW);
  }

  a.bind(ioctl);
  {
    int deny = a.newLabel();
    a.ldArgLow(1);
    a.jeq(TIOCSTI, deny);
    a.jeq(TIOCLINUX, deny);
    a.ret(SECCOMP_RET_ALLOW);
    a.bind(deny);
    a.ret(SECCOMP_RET_ERRNO | EPERM);
  }
  return a.finish();
}

BpfProgram compileInitFilter() {
  static constexpr uint32_t kAllowed[] = {
      SYS_rt_sigtimedwait, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_wait4, SYS_kill,
      SYS_sendmsg,         SYS_write,          SYS_close,        SYS_exit,  SYS_exit_group,
      SYS_restart_syscall,
  };
  Asm a;
  int native = a.newLabel();
  int allow = a.newLabel();
  a.ldArch();
  a.jeq(AUDIT_ARCH_X86_64, native);
  a.ret(SECCOMP_RET_KILL_PROCESS);
  a.bind(native);
  a.ldNr();
  for (uint32_t nr : kAllowed)
    a.jeq(nr, allow);
  a.ret(SECCOMP_RET_KILL_PROCESS);
  a.bind(allow);
  a.ret(SECCOMP_RET_ALLOW);
  return a.finish();
}

uint32_t evaluate(const BpfProgram& program, const seccomp_data& data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(&data);
  uint32_t A = 0;
  uint32_t X = 0;
  uint32_t mem[BPF_MEMWORDS] = {};
  const size_t n = program.insns.size();
  for (size_t pc = 0; pc < n; ++pc) {
    const sock_filter& f = program.insns[pc];
    uint32_t k = f.k;
    switch (f.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (k + 4 > sizeof(seccomp_data) || k % 4 != 0) return SECCOMP_RET_KILL_PROCESS;
        std::memcpy(&A, bytes + k, 4);
        break;
      case BPF_LD | BPF_W | BPF_LEN:
        A = sizeof(seccomp_data);
        break;
      case BPF_LDX | BPF_W | BPF_LEN:
        X = sizeof(seccomp_data);
        break;
      case BPF_LD | BPF_IMM:
        A = k;
        break;
      case BPF_LDX | BPF_IMM:
        X = k;
        break;
      case BPF_LD | BPF_MEM:
        A = mem[k % BPF_MEMWORDS];
        break;
      case BPF_LDX | BPF_MEM:
        X = mem[k % BPF_MEMWORDS];
        break;
      case BPF_ST:
        mem[k % BPF_MEMWORDS] = A;
        break;
      case BPF_STX:
        mem[k % BPF_MEMWORDS] = X;
        break;
      case BPF_ALU | BPF_ADD | BPF_K:
        A += k;
        break;
      case BPF_ALU | BPF_ADD | BPF_X:
        A += X;
        break;
      case BPF_ALU | BPF_SUB | BPF_K:
        A -= k;
        break;
      case BPF_ALU | BPF_SUB | BPF_X:
        A -= X;
        break;
      case BPF_ALU | BPF_MUL | BPF_K:
        A *= k;
        break;
      case BPF_ALU | BPF_MUL | BPF_X:
        A *= X;
        break;
      case BPF_ALU | BPF_DIV | BPF_K:
        A = k ? A / k : 0;
        break;
      case BPF_ALU | BPF_DIV | BPF_X:
        if (X == 0) return 0;
        A /= X;
        break;
      case BPF_ALU | BPF_MOD | BPF_K:
        A = k ? A % k : 0;
        break;
      case BPF_ALU | BPF_MOD | BPF_X:
        if (X == 0) return 0;
        A %= X;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        A &= k;
        break;
      case BPF_ALU | BPF_AND | BPF_X:
        A &= X;
        break;
      case BPF_ALU | BPF_OR | BPF_K:
        A |= k;
        break;
      case BPF_ALU | BPF_OR | BPF_X:
        A |= X;
        break;
      case BPF_ALU | BPF_XOR | BPF_K:
        A ^= k;
        break;
      case BPF_ALU | BPF_XOR | BPF_X:
        A ^= X;
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
        A = k < 32 ? A << k : 0;
        break;
      case BPF_ALU | BPF_LSH | BPF_X:
        A = X < 32 ? A << X : 0;
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        A = k < 32 ? A >> k : 0;
        break;
      case BPF_ALU | BPF_RSH | BPF_X:
        A = X < 32 ? A >> X : 0;
        break;
      case BPF_ALU | BPF_NEG:
        A = -A;
        break;
      case BPF_JMP | BPF_JA:
        pc += k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += (A == k) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JEQ | BPF_X:
        pc += (A == X) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += (A > k) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_X:
        pc += (A > X) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += (A >= k) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_X:
        pc += (A >= X) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (A & k) ? f.jt : f.jf;
        break;
      case BPF_JMP | BPF_JSET | BPF_X:
        pc += (A & X) ? f.jt : f.jf;
        break;
      case BPF_RET | BPF_K:
        return k;
      case BPF_RET | BPF_A:
        return A;
      case BPF_MISC | BPF_TAX:
        X = A;
        break;
      case BPF_MISC | BPF_TXA:
        A = X;
        break;
      default:
        return SECCOMP_RET_KILL_PROCESS;  // the kernel would reject it
    }
  }
  return SECCOMP_RET_KILL_PROCESS;  // fell off the end: rejected by the kernel
}

seccomp_data nativeCall(int nr, std::initializer_list<uint64_t> args) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = AUDIT_ARCH_X86_64;
  size_t i = 0;
  for (uint64_t v : args) {
    if (i < 6) d.args[i++] = v;
  }
  return d;
}

unsigned CompiledPolicy::installFlags() const {
  unsigned flags = 0;
  if (uses_notification) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  if (kernel_log) flags |= SECCOMP_FILTER_FLAG_LOG;
  return flags;
}

int installFilter(const BpfProgram& program, unsigned flags) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.insns.size());
  prog.filter = const_cast<sock_filter*>(program.insns.data());
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) return -errno;
  return static_cast<int>(rc);
}

const SeccompSupport& seccompSupport() {
  static const SeccompSupport support = [] {
    SeccompSupport s;
    auto avail = [](uint32_t action) {
      return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
    };
    s.kill_process = avail(SECCOMP_RET_KILL_PROCESS);
    s.user_notif = avail(SECCOMP_RET_USER_NOTIF);
    // CONTINUE (5.5) has no probe of its own: go by the kernel version.
    utsname u{};
    int major = 0;
    int minor = 0;
    if (uname(&u) == 0) std::sscanf(u.release, "%d.%d", &major, &minor);
    s.notif_continue = s.user_notif && (major > 5 || (major == 5 && minor >= 5));
    return s;
  }();
  return support;
}

}  // namespace meshgate::sandbox
