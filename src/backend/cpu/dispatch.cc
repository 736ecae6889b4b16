#include "backend/cpu/kernels.h"

#include <cstdlib>
#include <functional>
#include <string>

#include "common/error.h"

namespace acgs::cpu {

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_has_avx512_vnni() {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include XGETBV: false where the OS does not save the zmm registers.
  __builtin_cpu_init();
  return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

std::vector<const CpuKernels*> supported_kernels() {
  std::vector<const CpuKernels*> sets;
  if (cpu_has_avx512_vnni()) sets.push_back(&kAvx512VnniKernels);
  if (cpu_has_avx2_fma()) sets.push_back(&kAvx2Kernels);
  sets.push_back(&kGenericKernels);
  return sets;
}

const CpuKernels& kernels_for_isa(std::string_view isa) {
  const auto sets = supported_kernels();
  if (isa.empty()) return *sets.front();
  std::string names;
  for (const CpuKernels* k : sets) {
    if (isa == k->isa) return *k;
    names += std::string(names.empty() ? "" : ", ") + k->isa;
  }
  fail(ErrorKind::kInvalidArgument, "ACGS_CPU_ISA=" + std::string(isa) +
                                        ": not a kernel set this CPU can run; choose one of: " + names +
                                        " (or unset it for the fastest)");
}

const CpuKernels& best_kernels() {
  static const CpuKernels& best = [] {
    const char* isa = std::getenv("ACGS_CPU_ISA");
    return std::cref(kernels_for_isa(isa != nullptr ? isa : ""));
  }();
  return best;
}

}  // namespace acgs::cpu
