// lccl/primitives/arch/ptx.hpp — NVIDIA PTX wrappers, one instruction each.
//
// Include through arch/ops.hpp. Addresses are generic pointers to global
// memory (device memory of this GPU, a peer GPU's memory mapped into this
// process, or mapped host memory); on NVIDIA GPUs generic addresses of global
// memory are valid .global addresses. The host pass of nvcc sees empty bodies.
#pragma once

#include <cstdint>

#include "lccl/primitives/detail/macros.hpp"

#if defined(__CUDA_ARCH__)
#define LCCL_PTX(...) asm volatile(__VA_ARGS__)
#else
#define LCCL_PTX(...) ((void)0)
#endif

namespace lccl {
namespace arch {

// ---- strong loads ---------------------------------------------------------
LCCL_DEVICE uint32_t loadAcquireSys(const uint32_t* p) {
  uint32_t v = 0;
  LCCL_PTX("ld.acquire.sys.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}
LCCL_DEVICE uint64_t loadAcquireSys(const uint64_t* p) {
  uint64_t v = 0;
  LCCL_PTX("ld.acquire.sys.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}
LCCL_DEVICE uint32_t loadRelaxedSys(const uint32_t* p) {
  uint32_t v = 0;
  LCCL_PTX("ld.relaxed.sys.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}
LCCL_DEVICE uint64_t loadRelaxedSys(const uint64_t* p) {
  uint64_t v = 0;
  LCCL_PTX("ld.relaxed.sys.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

// ---- volatile loads (LL packets: one access, no ordering) -----------------
LCCL_DEVICE uint32_t loadVolatile(const uint32_t* p) {
  uint32_t v = 0;
  LCCL_PTX("ld.volatile.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}
LCCL_DEVICE uint64_t loadVolatile(const uint64_t* p) {
  uint64_t v = 0;
  LCCL_PTX("ld.volatile.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}
LCCL_DEVICE uint2 loadVolatileV2(const uint2* p) {
  uint2 v{0, 0};
  LCCL_PTX("ld.volatile.global.v2.u32 {%0, %1}, [%2];" : "=r"(v.x), "=r"(v.y) : "l"(p) : "memory");
  return v;
}
LCCL_DEVICE uint4 loadVolatileV4(const uint4* p) {
  uint4 v{0, 0, 0, 0};
  LCCL_PTX("ld.volatile.global.v4.u32 {%0, %1, %2, %3}, [%4];"
           : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
           : "l"(p)
           : "memory");
  return v;
}

// ---- strong stores --------------------------------------------------------
LCCL_DEVICE void storeReleaseSys(uint32_t* p, uint32_t v) {
  LCCL_PTX("st.release.sys.global.u32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}
LCCL_DEVICE void storeReleaseSys(uint64_t* p, uint64_t v) {
  LCCL_PTX("st.release.sys.global.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}
LCCL_DEVICE void storeRelaxedSys(uint32_t* p, uint32_t v) {
  LCCL_PTX("st.relaxed.sys.global.u32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}
LCCL_DEVICE void storeRelaxedSys(uint64_t* p, uint64_t v) {
  LCCL_PTX("st.relaxed.sys.global.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}

// ---- volatile stores (LL packets: data and flag in one access) ------------
LCCL_DEVICE void storeVolatile(uint32_t* p, uint32_t v) {
  LCCL_PTX("st.volatile.global.u32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}
LCCL_DEVICE void storeVolatile(uint64_t* p, uint64_t v) {
  LCCL_PTX("st.volatile.global.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}
LCCL_DEVICE void storeVolatileV2(uint2* p, uint2 v) {
  LCCL_PTX("st.volatile.global.v2.u32 [%0], {%1, %2};" ::"l"(p), "r"(v.x), "r"(v.y) : "memory");
}
LCCL_DEVICE void storeVolatileV4(uint4* p, uint4 v) {
  LCCL_PTX("st.volatile.global.v4.u32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(v.x), "r"(v.y),
           "r"(v.z), "r"(v.w)
           : "memory");
}

// ---- atomics and fences ---------------------------------------------------
// Returns the previous value.
LCCL_DEVICE uint64_t atomicAddReleaseSys(uint64_t* p, uint64_t v) {
  uint64_t old = 0;
  LCCL_PTX("atom.add.release.sys.global.u64 %0, [%1], %2;" : "=l"(old) : "l"(p), "l"(v) : "memory");
  return old;
}
LCCL_DEVICE uint32_t atomicAddReleaseGpu(uint32_t* p, uint32_t v) {
  uint32_t old = 0;
  LCCL_PTX("atom.add.release.gpu.global.u32 %0, [%1], %2;" : "=r"(old) : "l"(p), "r"(v) : "memory");
  return old;
}
LCCL_DEVICE void fenceAcqRelSys() { LCCL_PTX("fence.acq_rel.sys;" ::: "memory"); }

// ---- time -----------------------------------------------------------------
// Nanoseconds of the GPU global timer (monotonic; resolution ~32 ns to 1 us).
LCCL_DEVICE uint64_t globalTimerNs() {
  uint64_t t = 0;
  LCCL_PTX("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Suspends the thread for about `ns` nanoseconds (0 to 2x, capped at 1 ms).
LCCL_DEVICE void sleepNs(uint32_t ns) { LCCL_PTX("nanosleep.u32 %0;" ::"r"(ns)); }

// ---- 16-byte bulk data movement (weak accesses) ---------------------------
// Loads bypass L1 allocation: bulk copies stream each byte once.
LCCL_DEVICE uint4 loadGlobal128(const uint4* p) {
  uint4 v{0, 0, 0, 0};
  LCCL_PTX("ld.global.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
           : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
           : "l"(p)
           : "memory");
  return v;
}
LCCL_DEVICE void storeGlobal128(uint4* p, uint4 v) {
  LCCL_PTX("st.global.v4.u32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(v.x), "r"(v.y), "r"(v.z),
           "r"(v.w)
           : "memory");
}

}  // namespace arch
}  // namespace lccl

#undef LCCL_PTX
