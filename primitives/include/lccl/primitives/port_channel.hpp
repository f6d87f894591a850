// lccl/primitives/port_channel.hpp — host side of a port channel: requests
// to one peer through a PortService (lccl/proxy.hpp), for peers this GPU
// cannot load/store (other nodes).
//
//   PortChannel(service, connection, memId)
//     symmetric form: put() copies the local region memId into the peer's
//     region memId, signal() bumps the peer's semaphore memId, wait()
//     consumes the local semaphore memId (what the peer's channel signals).
//   PortChannel(service, connection, dstMemId, srcMemId, waitSemaphoreId)
//     the general form.
// Regions are registered with PortService::registerMemory on each side
// before the service starts. The handle's device operations and their
// ordering are documented in port_channel_device.hpp.
#pragma once

#include <cstdint>
#include <memory>

#include "lccl/primitives/port_channel_device.hpp"
#include "lccl/proxy.hpp"

namespace lccl {

class PortChannel {
 public:
  PortChannel(std::shared_ptr<PortService> service, uint32_t connection, uint32_t memId);
  PortChannel(std::shared_ptr<PortService> service, uint32_t connection, uint32_t dstMemId,
              uint32_t srcMemId, uint32_t waitSemaphoreId);

  PortChannelDeviceHandle deviceHandle() const;
  int remoteRank() const;
  uint32_t connection() const { return connection_; }
  const std::shared_ptr<PortService>& service() const { return service_; }

 private:
  std::shared_ptr<PortService> service_;
  uint32_t connection_;
  uint32_t dstMemId_;
  uint32_t srcMemId_;
  uint32_t waitSemaphoreId_;
};

// The FIFO handle kernels push into (shared by every channel of `service`).
FifoDeviceHandle fifoDeviceHandle(const PortService& service);

}  // namespace lccl
