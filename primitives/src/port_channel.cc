// Host side of PortChannel: builds the device handle from the service.
#include "lccl/primitives/port_channel.hpp"

#include "lccl/communicator.hpp"
#include "lccl/errors.hpp"

namespace lccl {

PortChannel::PortChannel(std::shared_ptr<PortService> service, uint32_t connection,
                         uint32_t memId)
    : PortChannel(std::move(service), connection, memId, memId, memId) {}

PortChannel::PortChannel(std::shared_ptr<PortService> service, uint32_t connection,
                         uint32_t dstMemId, uint32_t srcMemId, uint32_t waitSemaphoreId)
    : service_(std::move(service)),
      connection_(connection),
      dstMemId_(dstMemId),
      srcMemId_(srcMemId),
      waitSemaphoreId_(waitSemaphoreId) {
  if (!service_) throw InvalidArgumentError(ErrorSite{"PortChannel"}, "null PortService");
  const ErrorSite site{"PortChannel", service_->comm().rank()};
  if (connection_ >= service_->connections())
    throw InvalidArgumentError(site, "unknown connection " + std::to_string(connection_));
  if (dstMemId_ >= ProxyRequest::kMaxMemIds || srcMemId_ >= ProxyRequest::kMaxMemIds ||
      dstMemId_ >= PortService::kSemaphores)
    throw InvalidArgumentError(site, "region or semaphore id out of range");
  (void)service_->semaphore(connection_, waitSemaphoreId_);  // validates the id
}

int PortChannel::remoteRank() const { return service_->peer(connection_); }

FifoDeviceHandle fifoDeviceHandle(const PortService& service) {
  Communicator& comm = service.comm();
  FifoDeviceHandle h;
  h.layout = service.fifo().producerLayout();
  h.bound.slot = comm.deviceErrorDevice();
  h.bound.timeoutNs = comm.deviceWaitTimeoutNs();
  h.bound.rank = comm.rank();
  h.bound.peer = -1;  // the proxy of this rank
  h.bound.objectId = h.layout.id;
  return h;
}

PortChannelDeviceHandle PortChannel::deviceHandle() const {
  PortChannelDeviceHandle h;
  h.fifo = fifoDeviceHandle(*service_);
  h.connection = connection_;
  h.dstMemId = dstMemId_;
  h.srcMemId = srcMemId_;
  const PortService::Semaphore s = service_->semaphore(connection_, waitSemaphoreId_);
  h.semaphore.inbound = s.deviceInbound;
  h.semaphore.expected = s.expected;
  h.semaphore.bound = h.fifo.bound;
  h.semaphore.bound.peer = remoteRank();
  h.semaphore.bound.objectId = waitSemaphoreId_;
  return h;
}

}  // namespace lccl
