// lccl/primitives/arch/hip.hpp — AMD/HIP versions of the arch/ wrappers.
//
// Port scaffold: same names and contracts as arch/ptx.hpp, written with clang
// atomic builtins. Not built or tested in lccl's CI (no ROCm toolchain there);
// treat it as the checklist of what a HIP port must provide.
#pragma once

#include <cstdint>

#include <hip/hip_runtime.h>

#include "lccl/primitives/detail/macros.hpp"

namespace lccl {
namespace arch {

template <class T>
LCCL_DEVICE T hipLoad(const T* p, int order) {
  return __hip_atomic_load(p, order, __HIP_MEMORY_SCOPE_SYSTEM);
}
template <class T>
LCCL_DEVICE void hipStore(T* p, T v, int order) {
  __hip_atomic_store(p, v, order, __HIP_MEMORY_SCOPE_SYSTEM);
}

LCCL_DEVICE uint32_t loadAcquireSys(const uint32_t* p) { return hipLoad(p, __ATOMIC_ACQUIRE); }
LCCL_DEVICE uint64_t loadAcquireSys(const uint64_t* p) { return hipLoad(p, __ATOMIC_ACQUIRE); }
LCCL_DEVICE uint32_t loadRelaxedSys(const uint32_t* p) { return hipLoad(p, __ATOMIC_RELAXED); }
LCCL_DEVICE uint64_t loadRelaxedSys(const uint64_t* p) { return hipLoad(p, __ATOMIC_RELAXED); }
LCCL_DEVICE uint32_t loadVolatile(const uint32_t* p) { return *reinterpret_cast<const volatile uint32_t*>(p); }
LCCL_DEVICE uint64_t loadVolatile(const uint64_t* p) { return *reinterpret_cast<const volatile uint64_t*>(p); }
LCCL_DEVICE uint2 loadVolatileV2(const uint2* p) {
  uint64_t v = loadVolatile(reinterpret_cast<const uint64_t*>(p));
  return uint2{static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32)};
}
LCCL_DEVICE uint4 loadVolatileV4(const uint4* p) {
  using V = __attribute__((ext_vector_type(4))) uint32_t;
  V v = __builtin_nontemporal_load(reinterpret_cast<const V*>(p));
  return uint4{v.x, v.y, v.z, v.w};
}

LCCL_DEVICE void storeReleaseSys(uint32_t* p, uint32_t v) { hipStore(p, v, __ATOMIC_RELEASE); }
LCCL_DEVICE void storeReleaseSys(uint64_t* p, uint64_t v) { hipStore(p, v, __ATOMIC_RELEASE); }
LCCL_DEVICE void storeRelaxedSys(uint32_t* p, uint32_t v) { hipStore(p, v, __ATOMIC_RELAXED); }
LCCL_DEVICE void storeRelaxedSys(uint64_t* p, uint64_t v) { hipStore(p, v, __ATOMIC_RELAXED); }
LCCL_DEVICE void storeVolatile(uint32_t* p, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(p) = v; }
LCCL_DEVICE void storeVolatile(uint64_t* p, uint64_t v) { *reinterpret_cast<volatile uint64_t*>(p) = v; }
LCCL_DEVICE void storeVolatileV2(uint2* p, uint2 v) {
  storeVolatile(reinterpret_cast<uint64_t*>(p), (uint64_t(v.y) << 32) | v.x);
}
LCCL_DEVICE void storeVolatileV4(uint4* p, uint4 v) {
  using V = __attribute__((ext_vector_type(4))) uint32_t;
  __builtin_nontemporal_store(V{v.x, v.y, v.z, v.w}, reinterpret_cast<V*>(p));
}

LCCL_DEVICE uint64_t atomicAddReleaseSys(uint64_t* p, uint64_t v) {
  return __hip_atomic_fetch_add(p, v, __ATOMIC_RELEASE, __HIP_MEMORY_SCOPE_SYSTEM);
}
LCCL_DEVICE uint32_t atomicAddReleaseGpu(uint32_t* p, uint32_t v) {
  return __hip_atomic_fetch_add(p, v, __ATOMIC_RELEASE, __HIP_MEMORY_SCOPE_AGENT);
}
LCCL_DEVICE void fenceAcqRelSys() { __atomic_thread_fence(__ATOMIC_ACQ_REL); }

// wall_clock64() ticks at hipDeviceAttributeWallClockRate (100 MHz on MI200/MI300).
LCCL_DEVICE uint64_t globalTimerNs() { return wall_clock64() * 10; }
// s_sleep counts units of 64 clocks: about 30 ns at 2 GHz.
LCCL_DEVICE void sleepNs(uint32_t ns) {
  for (uint32_t i = 0; i < ns / 32; ++i) __builtin_amdgcn_s_sleep(1);
}

LCCL_DEVICE uint4 loadGlobal128(const uint4* p) { return *p; }
LCCL_DEVICE void storeGlobal128(uint4* p, uint4 v) { *p = v; }

}  // namespace arch
}  // namespace lccl
