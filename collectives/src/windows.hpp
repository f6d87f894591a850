// Registered windows (Collectives::registerWindow): the local lookup of a
// call's buffers, the zero-copy AllReduce's kernel arguments and the scratch
// slots of its symmetry check (host-includable, host-tested).
#pragma once

#include <cstddef>
#include <cstdint>

#include "layout.hpp"

namespace lccl::detail {

// Where the zero-copy AllReduce serves: in place of the single-chunk Simple
// two-shot. Measured on H100s it leads that path (2 ranks: 1 MiB 13.1 vs
// 14.5 us, 64 MiB 313 vs 262 GB/s busbw; 4 ranks: 2 MiB 19.9 vs 23.6 us,
// 64 MiB 307 vs 277 GB/s) and trails the LL paths below it (2 ranks,
// 256 KiB: 10.6 vs 4.4 us) and the pipelined two-shot from kPipeMinBytes.
// Its kernel has run on 2 and 4 ranks; more ranks keep the staged paths
// until it is measured there.
constexpr int kZeroCopyMaxRanks = 4;
LCCL_HOST_DEVICE bool zeroCopyServes(size_t bytes, int nranks, bool simpleChosen) {
  return simpleChosen && bytes < kPipeMinBytes && nranks <= kZeroCopyMaxRanks;
}

// This rank's view of one registered window.
struct WindowRange {
  uintptr_t base;
  size_t bytes;
};

// Index of the window holding all of [ptr, ptr+bytes), or -1 (outside every
// window, or straddling a window's end). Overflow-safe.
LCCL_HOST_DEVICE int findWindow(const WindowRange* w, int n, const void* ptr, size_t bytes) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
  for (int i = 0; i < n; ++i) {
    if (p < w[i].base) continue;
    const size_t off = p - w[i].base;
    if (off < w[i].bytes && bytes <= w[i].bytes - off) return i;
  }
  return -1;
}

// What every rank of a zero-copy call must agree on; each rank writes its own
// into every rank's check slots before the first barrier and compares after it.
struct WindowCallDesc {
  uint64_t flag;     // the call's flag (callFlag): tells a stale slot from this call's
  uint64_t windows;  // send window id << 32 | recv window id
  uint64_t sendOff;  // offsets in the windows
  uint64_t recvOff;
  uint64_t bytes;
  uint64_t pad[3];
};
static_assert(sizeof(WindowCallDesc) == 64, "one 64-byte slot per rank");

// The check slots (one per sender) lie in the last KiB of the simple-in stage
// region, which no staged path reaches (the pipelined two-shot leaves at least
// 3 KiB of it unused; host-tested).
constexpr size_t kWindowCheckBytes = 1024;
static_assert(sizeof(WindowCallDesc) * kMaxRanks <= kWindowCheckBytes, "check slots fit");
LCCL_HOST_DEVICE size_t windowCheckOffset(const ScratchLayout& l) {
  return l.simpleInOffset + kStageBytes - kWindowCheckBytes;
}

// The zero-copy AllReduce's own arguments: every rank's mapping of this call's
// send and recv (index = rank of the node; mine is the caller's pointer).
struct ZeroCopyArgs {
  const char* send[kMaxRanks];
  char* recv[kMaxRanks];
  WindowCallDesc desc;  // this rank's description (flag filled by the kernel)
};

}  // namespace lccl::detail
