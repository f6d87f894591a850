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

// AllGather / AllToAll (staged): stage; copy every rank's piece for me.
// Broadcast (staged, root >= 0): the root stages; everybody copies its stage.
// Block b moves slice b of every piece.
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

void launchMovement(Kind kind, Path path, const KernelArgs& a, int blocks, cudaStream_t s) {
  (void)kind;
  if (path == Path::LL) moveLL<<<blocks, kThreads, 0, s>>>(a);
  else moveStaged<<<blocks, kThreads, 0, s>>>(a);
}

}  // namespace lccl::detail
