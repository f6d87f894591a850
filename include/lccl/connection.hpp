// lccl/connection.hpp — a link from this rank to one peer, and what it can do.
//
// Transports publish capabilities; layers above choose by them (for example a
// memory channel needs directLoadStore), never by transport name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lccl/gpu.hpp"
#include "lccl/memory.hpp"

namespace lccl {

enum class LinkType : uint32_t { Self = 0, NVLink = 1, PCIe = 2, Network = 3 };
const char* linkTypeName(LinkType t);

struct TransportCaps {
  const char* transport = "";     // for logs only
  LinkType link = LinkType::Network;
  bool directLoadStore = false;   // kernels may load/store the peer's registered memory
  bool atomics = false;           // ... including system-scope atomics
  bool copyEngine = false;        // write() runs on the copy engine (no SMs used)
  // A warp's aligned 128-byte store reaches the peer, and an aligned 128-byte
  // load of its memory is served, as one unit (what LL128 lines rely on):
  // NVLink and the same GPU; not PCIe.
  bool wholeLines128 = false;
  bool needsProxy = false;        // device-initiated transfers go through a host proxy
  // GPU regions are copied through host buffers by the proxy thread (CUDA
  // copies there): a kernel that spins on such a transfer must not share the
  // device with a CUDA call that waits for the device (docs/port-channels.md).
  bool proxyStagesGpuMemory = false;
};

// Capabilities of a transport that moves data through the host proxy (TCP,
// InfiniBand): no load/store access, device work goes through the FIFO.
inline TransportCaps proxiedTransportCaps(const char* name) {
  TransportCaps c;
  c.transport = name;
  c.link = LinkType::Network;
  c.needsProxy = true;
  return c;
}

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const TransportCaps& caps() const = 0;
  virtual int remoteRank() const = 0;
  // Host-initiated, stream-ordered copy from local `src` to the peer's `dst`.
  virtual void write(const RegisteredMemory& dst, size_t dstOffset, const void* src,
                     size_t bytes, gpuStream_t stream) = 0;
};

}  // namespace lccl
