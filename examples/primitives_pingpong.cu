// The README's example, compiled with the project so that it stays correct.
#include <mpi.h>
#include "lccl/communicator.hpp"
#include "lccl/mpi_bootstrap.hpp"
#include "lccl/primitives/memory_channel.hpp"

__global__ void pingPong(lccl::MemoryChannelDeviceHandle ch, size_t bytes, bool first) {
  if (first) ch.putWithSignal(0, 0, bytes, threadIdx.x, blockDim.x);  // my buffer -> peer's
  else if (threadIdx.x == 0 && !ch.wait()) return;  // bounded: false on timeout
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  auto comm = std::make_shared<lccl::Communicator>(lccl::mpiBootstrap(MPI_COMM_WORLD));
  int peer = comm->rank() ^ 1;                       // pairs (0,1), (2,3), ...
  void* buf; cudaMalloc(&buf, 1 << 20);
  auto mine = comm->registerMemory(buf, 1 << 20);
  comm->sendMemory(mine, peer, /*tag=*/0);
  auto theirs = comm->recvMemory(peer, /*tag=*/0);   // peer's buffer, mapped here
  auto sem = std::make_shared<lccl::MemoryDevice2DeviceSemaphore>(*comm, comm->connect(peer));
  lccl::MemoryChannel ch(sem, theirs, buf);
  pingPong<<<1, 256>>>(ch.deviceHandle(), 1 << 20, comm->rank() < peer);
  cudaDeviceSynchronize();
  comm->checkDeviceErrors();                         // throws TimeoutError naming the peer
  MPI_Finalize();
}
