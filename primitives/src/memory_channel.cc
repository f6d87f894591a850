// Host side of MemoryChannel: validation and the device handle.
#include "lccl/primitives/memory_channel.hpp"

#include <string>
#include <utility>

#include "lccl/errors.hpp"

namespace lccl {

MemoryChannel::MemoryChannel(std::shared_ptr<MemoryDevice2DeviceSemaphore> semaphore,
                             RegisteredMemory dst, void* src, void* packetBuffer)
    : semaphore_(std::move(semaphore)), dst_(std::move(dst)), src_(src), packetBuffer_(packetBuffer) {
  if (!semaphore_) throw InvalidArgumentError(ErrorSite{"MemoryChannel"}, "null semaphore");
  const ErrorSite site{"MemoryChannel", semaphore_->rank(), semaphore_->remoteRank()};
  if (!dst_.valid()) throw InvalidArgumentError(site, "dst is not a registered memory");
  if (dst_.ownerRank() >= 0 && dst_.ownerRank() != semaphore_->remoteRank())
    throw InvalidArgumentError(site, "dst belongs to rank " + std::to_string(dst_.ownerRank()) +
                                         ", not to the semaphore's peer");
}

MemoryChannelDeviceHandle MemoryChannel::deviceHandle() const {
  MemoryChannelDeviceHandle h;
  h.semaphore = semaphore_->deviceHandle();
  h.dst = dst_.data();
  h.src = src_;
  h.packetBuffer = packetBuffer_;
  return h;
}

}  // namespace lccl
