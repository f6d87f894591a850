// Kernels that move data without reducing: AllGather, AllToAll, Broadcast.
#include "device/ll.cuh"
#include "device/staged.cuh"
#include "launch.hpp"

namespace lccl::detail {
namespace {

// AllGather / AllToAll, LL: publish my piece(s); unpack every rank's piece.
__global__ void __launch_bounds__(kThreads) moveLL(const __grid_constant__ KernelArgs a) {
  const uint32_t flag = callFlag(a);
  llPublish(a, flag);
  llUnpack(a, flag);
  finishCall(a, flag);
}

// AllGather / AllToAll (push): write my piece for each peer into that peer's
// slot for me (remote stores); keep my own piece; after the barrier, copy
// every peer's piece out of my slots. Block b moves slice b of every piece,
// so an in-place AllToAll overwrites a slice only after sending it.
__global__ void __launch_bounds__(kThreads) movePush(const __grid_constant__ KernelArgs a) {
  const Slice s = mySlice(a);
  const size_t len = s.end - s.begin;
  for (int i = 1; i <= a.nranks; ++i) {
    const int q = (a.rank + i) % a.nranks;
    const char* src = pieceFor(a, q) + s.begin;
    char* dst = q == a.rank ? a.recv + static_cast<size_t>(q) * a.recvStride + s.begin
                            : pushSlot(a, q, a.rank) + s.begin;
    if (dst != src) blockCopy(dst, src, len);
  }
  if (!blockBarrier(a)) return;
  for (int r = 0; r < a.nranks; ++r)
    if (r != a.rank)
      blockCopy(a.recv + static_cast<size_t>(r) * a.recvStride + s.begin, pushSlot(a, a.rank, r) + s.begin, len);
  blockBarrier(a);
}

// Broadcast (staged): the root stages; everybody copies the root's stage.
// Block b moves slice b.
__global__ void __launch_bounds__(kThreads) moveStaged(const __grid_constant__ KernelArgs a) {
  if (a.root < 0 || a.root == a.rank) stageInput(a);
  if (!blockBarrier(a)) return;
  const Slice s = mySlice(a);
  for (int r = 0; r < a.nranks; ++r) {
    if (a.root >= 0 && r != a.root) continue;
    char* dst = a.recv + static_cast<size_t>(a.root >= 0 ? 0 : r) * a.recvStride;
    const char* src = r == a.rank ? pieceFor(a, a.rank) : stagedPieceFor(a, r);
    if (dst != src) blockCopy(dst + s.begin, src + s.begin, s.end - s.begin);
  }
  blockBarrier(a);
}

}  // namespace

void launchMovement(Path path, const KernelArgs& a, int blocks, cudaStream_t s) {
  if (path == Path::LL) moveLL<<<blocks, kThreads, 0, s>>>(a);
  else if (path == Path::Push) movePush<<<blocks, kThreads, 0, s>>>(a);
  else moveStaged<<<blocks, kThreads, 0, s>>>(a);
}

}  // namespace lccl::detail
