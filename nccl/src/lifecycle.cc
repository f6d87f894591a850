// Communicator teardown, error state and queries.
#include "api.hpp"
#include "comm.hpp"
#include "fallback.hpp"
#include "lccl/logging.hpp"

using namespace lccl;
using namespace lccl::nccl;

namespace {

const RealNccl& realOf(const ncclComm& c) { return *loadedFallback(); }

// Reads the communicator's device error slot; a first error becomes sticky.
ncclResult_t pollNative(ncclComm& c) {
  if (c.asyncError.load() != ncclSuccess || !c.communicator) return c.asyncError.load();
  try {
    if (c.executor) c.executor->checkDeviceErrors();  // names the plan and op, if one stalled
    else c.communicator->checkDeviceErrors();
  } catch (const Error& e) {
    ncclResult_t r = resultOf(e.code());
    std::string text = std::string("ncclCommGetAsyncError: ") + e.what();
    {
      std::lock_guard<std::mutex> lock(c.mu);
      c.asyncMessage = text;
    }
    ncclResult_t expected = ncclSuccess;
    if (c.asyncError.compare_exchange_strong(expected, r)) LCCL_WARN("%s", text.c_str());
  }
  return c.asyncError.load();
}

}  // namespace

// Operations are enqueued on their streams when the call returns: nothing is
// left to flush. (Delegated: the fallback's finalize.)
LCCL_NCCL_API(ncclResult_t, ncclCommFinalize, ncclComm_t comm) {
  return guarded("ncclCommFinalize", [&] {
    ncclComm& c = liveComm(comm, "ncclCommFinalize");
    if (delegated(c)) {
      ncclResult_t r = realOf(c).ncclCommFinalize(c.real);
      realOf(c).check(r, "ncclCommFinalize", c.real);
      return r;
    }
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommDestroy, ncclComm_t comm) {
  return guarded("ncclCommDestroy", [&] {
    if (comm == nullptr) return ncclSuccess;  // as NCCL: destroying NULL is a no-op
    ncclComm& c = liveComm(comm, "ncclCommDestroy");
    if (c.state.load() == CommState::Pending)
      throw InvalidUsageError(ErrorSite{"ncclCommDestroy", c.rank},
                              "the communicator is still being created by the enclosing group");
    unregisterComm(&c);
    destroyComm(&c);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommAbort, ncclComm_t comm) {
  return guarded("ncclCommAbort", [&] {
    if (comm == nullptr) return ncclSuccess;
    ncclComm& c = liveComm(comm, "ncclCommAbort");
    if (c.state.load() == CommState::Pending)
      throw InvalidUsageError(ErrorSite{"ncclCommAbort", c.rank},
                              "the communicator is still being created by the enclosing group");
    unregisterComm(&c);
    abortComm(&c);
    return ncclSuccess;
  });
}

// Stops device work in flight; afterwards only destroy, abort, split and
// shrink are accepted.
LCCL_NCCL_API(ncclResult_t, ncclCommRevoke, ncclComm_t comm, int revokeFlags) {
  return guarded("ncclCommRevoke", [&] {
    ncclComm& c = readyComm(comm, "ncclCommRevoke");
    if (revokeFlags != NCCL_REVOKE_DEFAULT)
      throw InvalidArgumentError(ErrorSite{"ncclCommRevoke", c.rank},
                                 "revokeFlags must be NCCL_REVOKE_DEFAULT (0)");
    if (delegated(c)) {
      const RealNccl& lib = realOf(c);
      ncclResult_t r = lib.need(lib.ncclCommRevoke, "ncclCommRevoke")(c.real, revokeFlags);
      lib.check(r, "ncclCommRevoke", c.real);
      return r;
    }
    c.communicator->abortDeviceWaits();
    c.state = CommState::Revoked;
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommGetAsyncError, ncclComm_t comm, ncclResult_t* asyncError) {
  return guarded("ncclCommGetAsyncError", [&] {
    if (asyncError == nullptr)
      throw InvalidArgumentError(ErrorSite{"ncclCommGetAsyncError"}, "asyncError is NULL");
    ncclComm& c = liveComm(comm, "ncclCommGetAsyncError");
    switch (c.state.load()) {
      case CommState::Pending: *asyncError = ncclInProgress; return ncclSuccess;
      case CommState::Failed: *asyncError = c.initResult; return ncclSuccess;
      case CommState::Revoked: *asyncError = ncclSuccess; return ncclSuccess;
      case CommState::Ready: break;
    }
    if (delegated(c)) {
      ncclResult_t r = realOf(c).ncclCommGetAsyncError(c.real, asyncError);
      if (*asyncError != ncclSuccess && *asyncError != ncclInProgress)
        if (const char* m = realOf(c).ncclGetLastError(c.real); m && *m) setLastError(m);
      return r;
    }
    *asyncError = pollNative(c);
    if (*asyncError != ncclSuccess) {
      std::lock_guard<std::mutex> lock(c.mu);
      setLastError(c.asyncMessage);
    }
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommCount, const ncclComm_t comm, int* count) {
  return guarded("ncclCommCount", [&] {
    ncclComm& c = liveComm(comm, "ncclCommCount");
    if (count == nullptr) throw InvalidArgumentError(ErrorSite{"ncclCommCount"}, "count is NULL");
    *count = c.nranks;
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommCuDevice, const ncclComm_t comm, int* device) {
  return guarded("ncclCommCuDevice", [&] {
    ncclComm& c = liveComm(comm, "ncclCommCuDevice");
    if (device == nullptr)
      throw InvalidArgumentError(ErrorSite{"ncclCommCuDevice"}, "device is NULL");
    *device = c.device;
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommUserRank, const ncclComm_t comm, int* rank) {
  return guarded("ncclCommUserRank", [&] {
    ncclComm& c = liveComm(comm, "ncclCommUserRank");
    if (rank == nullptr) throw InvalidArgumentError(ErrorSite{"ncclCommUserRank"}, "rank is NULL");
    *rank = c.rank;
    return ncclSuccess;
  });
}
