// The CUDA peer-memory transport: GPUs of one host with peer access
// (NVLink or PCIe). Kernels load/store the peer's memory directly.
#pragma once

#include <memory>

#include "lccl/connection.hpp"

namespace lccl::detail {

class CudaIpcConnection : public Connection {
 public:
  CudaIpcConnection(int remoteRank, LinkType link, bool atomics);
  const TransportCaps& caps() const override { return caps_; }
  int remoteRank() const override { return remote_; }
  void write(const RegisteredMemory& dst, size_t dstOffset, const void* src, size_t bytes,
             gpuStream_t stream) override;

 private:
  TransportCaps caps_;
  int remote_;
};

}  // namespace lccl::detail
