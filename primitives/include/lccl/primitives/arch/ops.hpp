// lccl/primitives/arch/ops.hpp — the single entry point to per-instruction
// wrappers (like CuTe's arch/). Everything above this directory calls
// lccl::arch::* and never writes inline assembly itself.
//
// Each wrapper is one instruction; its name spells the instruction:
//   load/store      Acquire/Release/Relaxed + Sys  : ld/st.{acquire,release,relaxed}.sys
//   load/storeVolatile[V2|V4]                      : ld/st.volatile (LL packets)
//   atomicAddReleaseSys                            : atom.add.release.sys
//   atomicAddReleaseGpu                            : atom.add.release.gpu (u32)
//   fenceAcqRelSys                                 : fence.acq_rel.sys
//   globalTimerNs                                  : %globaltimer (ns)
//   sleepNs                                        : nanosleep (s_sleep on HIP)
//   loadGlobal128 / storeGlobal128                 : 16-byte ld/st.global.v4 (bulk copies)
//
// Only device translation units may include this header.
#pragma once

#include "lccl/primitives/detail/macros.hpp"

#if !LCCL_DEVICE_CODE
#error "lccl/primitives/arch/ops.hpp is device code: include it from .cu files only"
#endif

#if defined(__HIPCC__)
#include "lccl/primitives/arch/hip.hpp"
#else
#include "lccl/primitives/arch/ptx.hpp"
#endif
