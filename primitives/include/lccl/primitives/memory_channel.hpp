// lccl/primitives/memory_channel.hpp — host side of a memory channel: a
// semaphore to one peer plus the buffers kernels move data between with SM
// loads/stores (NVLink / PCIe peer access; needs directLoadStore).
//
//   MemoryChannel(sem, dst, src, packetBuffer)
//     sem           semaphore to the peer (shared by channels to that peer as
//                   the caller likes; every signal/wait goes through it)
//     dst           the peer's memory, imported (Communicator::recvMemory /
//                   exchangeMemory): the put/get target, or the peer's packet
//                   buffer for putPackets
//     src           local memory (put source, get/readPackets destination)
//     packetBuffer  local buffer the peer writes packets into (its channel's
//                   dst); zero it before first use. nullptr if unused.
// Nothing is copied or owned except `dst` (a RegisteredMemory copy keeps the
// mapping alive) and the semaphore reference; src/packetBuffer must outlive
// every kernel using the channel. The layout of packets and every device
// operation are documented in memory_channel_device.hpp.
#pragma once

#include <memory>

#include "lccl/memory.hpp"
#include "lccl/primitives/memory_channel_device.hpp"
#include "lccl/primitives/semaphore.hpp"

namespace lccl {

class MemoryChannel {
 public:
  // Throws InvalidArgumentError for a null semaphore, an invalid dst, or a dst
  // owned by a rank other than the semaphore's peer.
  MemoryChannel(std::shared_ptr<MemoryDevice2DeviceSemaphore> semaphore, RegisteredMemory dst,
                void* src, void* packetBuffer = nullptr);

  MemoryChannelDeviceHandle deviceHandle() const;
  const std::shared_ptr<MemoryDevice2DeviceSemaphore>& semaphore() const { return semaphore_; }
  const RegisteredMemory& dst() const { return dst_; }
  void* src() const { return src_; }
  void* packetBuffer() const { return packetBuffer_; }
  int remoteRank() const { return semaphore_->remoteRank(); }

 private:
  std::shared_ptr<MemoryDevice2DeviceSemaphore> semaphore_;
  RegisteredMemory dst_;
  void* src_;
  void* packetBuffer_;
};

}  // namespace lccl
