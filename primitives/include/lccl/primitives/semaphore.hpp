// lccl/primitives/semaphore.hpp — host side of a GPU-to-GPU semaphore.
//
// MemoryDevice2DeviceSemaphore(comm, conn) is collective between this rank
// and conn->remoteRank(): both must construct their end, and semaphores to the
// same peer must be constructed in the same order on both ranks. Each end
// allocates its counters in device memory (zeroed), registers its inbound
// counter and exchanges it with the peer over the bootstrap, using tags in
// [kSemaphoreTagBase, kSemaphoreTagBase + kSemaphoreTagSpan) — other users of
// the bootstrap must avoid that range. The i-th semaphore created between a
// pair gets id i on both ranks (reported in timeout errors as objectId).
//
// Requires conn->caps().directLoadStore (InvalidUsageError otherwise).
// deviceHandle() gives the trivially copyable handle kernels use; see
// semaphore_device.hpp for signal()/wait() and their memory ordering.
//
// Lifetime: the peer stores into this end's inbound counter; destroy both ends
// only after kernels using either have finished.
#pragma once

#include <cstdint>
#include <memory>

#include "lccl/communicator.hpp"
#include "lccl/connection.hpp"
#include "lccl/primitives/semaphore_device.hpp"

namespace lccl {

constexpr int kSemaphoreTagBase = 0x53000000;
constexpr int kSemaphoreTagSpan = 1 << 20;

class MemoryDevice2DeviceSemaphore {
 public:
  MemoryDevice2DeviceSemaphore(Communicator& comm, std::shared_ptr<Connection> connection);
  ~MemoryDevice2DeviceSemaphore();
  MemoryDevice2DeviceSemaphore(const MemoryDevice2DeviceSemaphore&) = delete;
  MemoryDevice2DeviceSemaphore& operator=(const MemoryDevice2DeviceSemaphore&) = delete;

  MemoryDevice2DeviceSemaphoreDeviceHandle deviceHandle() const;
  int rank() const;
  int remoteRank() const;
  uint32_t id() const;
  const std::shared_ptr<Connection>& connection() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
