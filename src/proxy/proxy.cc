// The proxy service: one thread draining a Fifo into port transports.
#include "lccl/proxy.hpp"

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/logging.hpp"

namespace lccl {

struct ProxyService::Impl {
  std::shared_ptr<Fifo> fifo;
  Options options;
  std::vector<std::shared_ptr<PortTransport>> transports;
  std::thread thread;
  std::atomic<bool> stopRequested{false};
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> handled{0};
  mutable std::mutex errorMutex;
  std::exception_ptr error;

  void run();
  void drainOnStop();
  void dispatch(const ProxyRequest& req);
  void fail(std::exception_ptr e);
  void raiseAbort();
  bool inHook = false;  // the proxy thread only
  // Polls every transport; true when any of them received something.
  bool pollTransports() {
    uint64_t before = 0, after = 0;
    for (auto& t : transports) before += t->receivedMessages();
    for (auto& t : transports) t->poll();
    for (auto& t : transports) after += t->receivedMessages();
    return after != before;
  }
  // While `busy` waits on its peer: poll every other transport (not
  // re-entered from a transport that blocks inside this hook).
  void progressOthers(const PortTransport* busy) {
    if (inHook) return;
    inHook = true;
    try {
      for (auto& t : transports)
        if (t.get() != busy) t->poll();
    } catch (...) {
      inHook = false;
      throw;
    }
    inHook = false;
  }
};

void ProxyService::Impl::dispatch(const ProxyRequest& req) {
  const ProxyRequestFields f = req.decode();
  if (f.connection >= transports.size())
    throw InvalidArgumentError(ErrorSite{"proxy", options.rank},
                               "request for unknown connection " + std::to_string(f.connection));
  PortTransport& t = *transports[f.connection];
  switch (f.type) {
    case ProxyRequestType::Put: t.put(f.dstMem, f.dstOffset, f.srcMem, f.srcOffset, f.size); break;
    case ProxyRequestType::Signal: t.signal(f.dstMem); break;
    case ProxyRequestType::PutWithSignal:
      t.put(f.dstMem, f.dstOffset, f.srcMem, f.srcOffset, f.size);
      t.signal(f.dstMem);
      break;
    case ProxyRequestType::Flush: t.flush(); break;
    default:
      throw InvalidArgumentError(ErrorSite{"proxy", options.rank},
                                 "request of unknown type " +
                                     std::to_string(static_cast<uint32_t>(f.type)));
  }
}

// Records a device-visible abort so device waits on this communicator return.
void ProxyService::Impl::raiseAbort() {
  DeviceErrorSlot* s = options.errorSlot;
  if (s == nullptr) return;
  uint32_t expected = 0;
  if (__atomic_compare_exchange_n(&s->claimed, &expected, 1u, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    s->kind = static_cast<uint32_t>(DeviceErrorKind::Aborted);
    s->rank = options.rank;
    s->peer = -1;
  }
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  s->abort = 1;
}

void ProxyService::Impl::fail(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(errorMutex);
    if (!error) error = e;
  }
  failed.store(true, std::memory_order_release);
  raiseAbort();
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    LCCL_WARN("proxy: transport error, aborting port channels: %s", ex.what());
  }
}

void ProxyService::Impl::run() {
  setLogRank(options.rank);
  if (options.device >= 0 && gpuSetDevice(options.device) != gpuSuccess) {
    fail(std::make_exception_ptr(CudaError(ErrorSite{"proxy", options.rank},
                                           "cudaSetDevice in the proxy thread", 0)));
  }
  uint32_t idle = 0;
  ProxyRequest req;
  while (!stopRequested.load(std::memory_order_acquire)) {
    if (fifo->poll(req)) {
      idle = 0;
      handled.fetch_add(1, std::memory_order_relaxed);
      if (failed.load(std::memory_order_relaxed)) continue;  // drain so producers move on
      try {
        dispatch(req);
      } catch (...) {
        fail(std::current_exception());
      }
      continue;
    }
    if (!failed.load(std::memory_order_relaxed)) {
      try {
        if (pollTransports()) idle = 0;  // traffic: a reply may follow soon
      } catch (...) {
        fail(std::current_exception());
      }
    }
    if (++idle >= options.idleSpins) std::this_thread::sleep_for(options.idleSleep);
  }
  drainOnStop();
}

// Carries out what producers published before stop(), at most one FIFO's
// worth: a kernel that ended with a signal (e.g. an acknowledgement its peer
// still waits for) must not lose it because the service stopped right after.
void ProxyService::Impl::drainOnStop() {
  ProxyRequest req;
  for (uint32_t n = 0; n < fifo->capacity() && fifo->poll(req); ++n) {
    handled.fetch_add(1, std::memory_order_relaxed);
    if (failed.load(std::memory_order_relaxed)) continue;
    try {
      dispatch(req);
    } catch (...) {
      fail(std::current_exception());
    }
  }
}

ProxyService::ProxyService(std::shared_ptr<Fifo> fifo, Options options)
    : impl_(std::make_unique<Impl>()) {
  if (!fifo) throw InvalidArgumentError(ErrorSite{"ProxyService"}, "no FIFO given");
  impl_->fifo = std::move(fifo);
  impl_->options = options;
}

ProxyService::~ProxyService() { stop(); }

uint32_t ProxyService::addTransport(std::shared_ptr<PortTransport> transport) {
  if (running())
    throw InvalidUsageError(ErrorSite{"ProxyService.addTransport"}, "proxy already running");
  if (impl_->transports.size() >= ProxyRequest::kMaxConnections)
    throw InvalidArgumentError(ErrorSite{"ProxyService.addTransport"}, "too many connections");
  impl_->transports.push_back(std::move(transport));
  return static_cast<uint32_t>(impl_->transports.size() - 1);
}

void ProxyService::start() {
  if (running()) throw InvalidUsageError(ErrorSite{"ProxyService.start"}, "already running");
  impl_->stopRequested.store(false);
  Impl* m = impl_.get();
  for (auto& t : m->transports) {
    const PortTransport* raw = t.get();
    t->setProgressHook([m, raw] { m->progressOthers(raw); });
  }
  impl_->thread = std::thread([this] { impl_->run(); });
}

void ProxyService::stop() {
  impl_->stopRequested.store(true, std::memory_order_release);
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool ProxyService::running() const { return impl_->thread.joinable(); }

std::exception_ptr ProxyService::error() const {
  std::lock_guard<std::mutex> lock(impl_->errorMutex);
  return impl_->error;
}

void ProxyService::rethrowIfError() const {
  if (auto e = error()) std::rethrow_exception(e);
}

uint64_t ProxyService::handled() const { return impl_->handled.load(); }

}  // namespace lccl
