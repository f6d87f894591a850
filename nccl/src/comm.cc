// The registry of live communicators, handle checks, teardown.
#include "comm.hpp"

#include <chrono>
#include <condition_variable>
#include <thread>
#include <unordered_set>

#include "fallback.hpp"
#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/logging.hpp"

namespace lccl::nccl {
namespace {

struct Registry {
  std::mutex mu;
  std::unordered_set<const ncclComm*> live;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: handles may be checked during exit
  return *r;
}

// How long ncclCommAbort waits for the teardown of an aborted communicator
// before returning and leaving the rest to a background thread.
constexpr auto kAbortTeardownWait = std::chrono::seconds(5);

}  // namespace

void registerComm(ncclComm* comm) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.live.insert(comm);
}

void unregisterComm(ncclComm* comm) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.live.erase(comm);
  comm->magic = 0;
}

bool isLive(const ncclComm* comm) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.live.count(comm) != 0 && comm->magic == kCommMagic;
}

ncclComm& liveComm(ncclComm_t comm, const char* call) {
  if (comm == nullptr) throw InvalidArgumentError(ErrorSite{call}, "comm is NULL");
  if (!isLive(comm))
    throw InvalidArgumentError(ErrorSite{call},
                               "comm is not a live communicator (destroyed, aborted, or not "
                               "created by this library)");
  return *comm;
}

ncclComm& readyComm(ncclComm_t comm, const char* call) {
  ncclComm& c = liveComm(comm, call);
  switch (c.state.load()) {
    case CommState::Ready: return c;
    case CommState::Pending:
      throw InvalidUsageError(ErrorSite{call, c.rank},
                              "the communicator is initialised by the enclosing ncclGroupEnd; use "
                              "it after that");
    case CommState::Failed:
      throw InvalidUsageError(ErrorSite{call, c.rank}, "the communicator failed to initialise: " +
                                                           c.asyncMessage);
    case CommState::Revoked:
      throw InvalidUsageError(ErrorSite{call, c.rank},
                              "the communicator was revoked (ncclCommRevoke): only destroy, "
                              "abort, split and shrink remain");
  }
  return c;
}

DeviceGuard::DeviceGuard(int device) {
  if (device < 0) return;
  int current = -1;
  if (cudaGetDevice(&current) != cudaSuccess) {
    (void)cudaGetLastError();
    current = -1;
  }
  if (current == device) return;
  LCCL_CUDA_CHECK(cudaSetDevice(device));
  previous_ = current;
}

DeviceGuard::~DeviceGuard() {
  if (previous_ >= 0) (void)cudaSetDevice(previous_);
}

// Frees the communicator's resources on its device. Native communicators
// synchronise their device in Collectives' destructor.
void destroyComm(ncclComm* comm) {
  if (comm->real != nullptr) {
    if (const RealNccl* lib = loadedFallback()) (void)lib->ncclCommDestroy(comm->real);
  } else {
    DeviceGuard guard(comm->device);
    comm->executor.reset();
    comm->coll.reset();
    comm->communicator.reset();
  }
  delete comm;
}

void abortComm(ncclComm* comm) {
  if (comm->real != nullptr) {
    if (const RealNccl* lib = loadedFallback()) (void)lib->ncclCommAbort(comm->real);
    delete comm;
    return;
  }
  // Every device wait of this communicator returns at once; the teardown then
  // synchronises the device. Bound how long the caller waits for it (another
  // communicator's kernel may hold the device): the rest finishes behind.
  if (comm->communicator) comm->communicator->abortDeviceWaits();
  struct Done {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  std::thread([comm, done] {
    try {
      DeviceGuard guard(comm->device);
      comm->executor.reset();
      comm->coll.reset();
      comm->communicator.reset();
    } catch (const std::exception& e) {
      LCCL_WARN("ncclCommAbort: teardown: %s", e.what());
    }
    delete comm;
    std::lock_guard<std::mutex> lock(done->mu);
    done->done = true;
    done->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(done->mu);
  if (!done->cv.wait_for(lock, kAbortTeardownWait, [&] { return done->done; }))
    LCCL_WARN("ncclCommAbort: device teardown still running after %lld s; returning",
              static_cast<long long>(kAbortTeardownWait.count()));
}

}  // namespace lccl::nccl
