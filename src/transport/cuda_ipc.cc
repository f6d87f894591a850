#include "cuda_ipc.hpp"

#include "lccl/errors.hpp"

namespace lccl::detail {

CudaIpcConnection::CudaIpcConnection(int remoteRank, LinkType link, bool atomics)
    : remote_(remoteRank) {
  caps_.transport = "cuda_ipc";
  caps_.link = link;
  caps_.directLoadStore = true;
  caps_.atomics = atomics;
  caps_.copyEngine = true;
  caps_.wholeLines128 = link == LinkType::NVLink || link == LinkType::Self;
  caps_.needsProxy = false;
}

void CudaIpcConnection::write(const RegisteredMemory& dst, size_t dstOffset, const void* src,
                              size_t bytes, gpuStream_t stream) {
  if (dst.ownerRank() != remote_)
    throw InvalidArgumentError(ErrorSite{"Connection.write", -1, remote_},
                               "destination memory belongs to rank " +
                                   std::to_string(dst.ownerRank()));
  if (dstOffset > dst.size() || bytes > dst.size() - dstOffset)
    throw InvalidArgumentError(ErrorSite{"Connection.write", -1, remote_},
                               "write of " + std::to_string(bytes) + " bytes at offset " +
                                   std::to_string(dstOffset) + " exceeds the " +
                                   std::to_string(dst.size()) + "-byte destination");
  if (bytes == 0) return;
  LCCL_CUDA_CHECK(gpuMemcpyAsync(static_cast<char*>(dst.data()) + dstOffset, src, bytes,
                                 gpuMemcpyDefault, stream));
}

}  // namespace lccl::detail
