// Registered windows (Collectives::registerWindow): the local lookup of a
// call's buffers, the zero-copy kernels' arguments and the scratch slots of
// their symmetry check (host-includable, host-tested).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel_args.hpp"
#include "layout.hpp"

namespace lccl::detail {

// Where the zero-copy kernels serve: in place of the Simple (staged) paths.
// Measured on H100s, zero-copy AllReduce leads the single-chunk Simple
// two-shot (2 ranks: 1 MiB 13.1 vs 14.5 us, 64 MiB 313 vs 262 GB/s busbw;
// 4 ranks: 2 MiB 19.9 vs 23.6 us, 64 MiB 307 vs 277 GB/s) and trails the LL
// paths below it (2 ranks, 256 KiB: 10.6 vs 4.4 us) and the pipelined
// two-shot from kPipeMinBytes. AllGather, ReduceScatter and AllToAll drop
// the staged copy in and copy out wherever their Simple path would run.
// Broadcast and Reduce keep their staged paths: a non-root rank does not know
// where the root's buffer lies, and the staged Broadcast already runs at the
// link's speed (2 ranks, 256 MiB: 340 GB/s). The kernels have run on 2 and
// 4 ranks; more ranks keep the staged paths until measured there. Where an
// LL or LL128 path is chosen (simpleChosen false) they do not run.
constexpr int kZeroCopyMaxRanks = 4;
LCCL_HOST_DEVICE bool zeroCopyServes(Kind k, size_t bytes, int nranks, bool simpleChosen) {
  if (nranks < 2 || nranks > kZeroCopyMaxRanks || !simpleChosen) return false;
  if (k == Kind::AllReduce) return bytes < kPipeMinBytes;
  return k == Kind::ReduceScatter || k == Kind::AllGather || k == Kind::AllToAll;
}

// The bytes of this rank's send and recv buffers that peers reach through
// windows (0: only this rank touches that buffer, which then needs no window
// and may sit at another offset on every rank, as in-place ReduceScatter's
// recv and in-place AllGather's send do).
struct WindowSpans {
  size_t send;
  size_t recv;
};
LCCL_HOST_DEVICE WindowSpans windowSpans(Kind k, size_t piece, int nranks) {
  const size_t all = piece * static_cast<size_t>(nranks);
  switch (k) {
    case Kind::ReduceScatter: return {all, 0};  // peers read their pieces of my send
    case Kind::AllGather: return {0, all};      // peers write their pieces into my recv
    case Kind::AllToAll: return {0, all};
    default: return {piece, piece};             // AllReduce: both
  }
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
  uint64_t what;  // the collective (Kind)
  uint64_t pad[2];
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

// A zero-copy call's own arguments: every rank's mapping of this call's send
// and recv (index = rank of the node; mine is the caller's pointers; a peer's
// is null where windowSpans says that buffer is not reached through windows).
struct ZeroCopyArgs {
  const char* send[kMaxRanks];
  char* recv[kMaxRanks];
  WindowCallDesc desc;  // this rank's description (flag filled by the kernel)
};

}  // namespace lccl::detail
