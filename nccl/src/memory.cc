// Memory for peers (ncclMemAlloc), buffer registration (accepted as a no-op
// for native communicators: lccl copies through its own registered stage),
// window registration (native: Collectives::registerWindow, so AllReduce on
// windows runs zero-copy), and custom reduction operators.
#include <cstring>

#include "api.hpp"
#include "comm.hpp"
#include "fallback.hpp"
#include "lccl/memory.hpp"
#include "types.hpp"

using namespace lccl;
using namespace lccl::nccl;

namespace {

struct Registration {  // what ncclCommRegister's handle points to
  void* buff;
  size_t size;
};

void addHandle(ncclComm& c, std::set<void*>& set, void* handle) {
  std::lock_guard<std::mutex> lock(c.mu);
  set.insert(handle);
}

// Removes `handle` from the communicator; InvalidArgumentError if it is not one of its own.
void takeHandle(ncclComm& c, std::set<void*>& set, void* handle, const char* call) {
  std::lock_guard<std::mutex> lock(c.mu);
  if (set.erase(handle) == 0)
    throw InvalidArgumentError(ErrorSite{call, c.rank},
                               "handle was not registered with this communicator");
}

const RealNccl& real() { return *loadedFallback(); }

}  // namespace

LCCL_NCCL_API(ncclResult_t, ncclMemAlloc, void** ptr, size_t size) {
  return guarded("ncclMemAlloc", [&] {
    if (ptr == nullptr) throw InvalidArgumentError(ErrorSite{"ncclMemAlloc"}, "ptr is NULL");
    *ptr = nullptr;
    if (size == 0) return ncclSuccess;
    *ptr = gpuAllocShareable(size);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclMemFree, void* ptr) {
  return guarded("ncclMemFree", [&] {
    gpuFreeShareable(ptr);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommRegister, const ncclComm_t comm, void* buff, size_t size,
              void** handle) {
  const char* call = "ncclCommRegister";
  return guarded(call, [&] {
    ncclComm& c = readyComm(comm, call);
    if (handle == nullptr || (buff == nullptr && size > 0))
      throw InvalidArgumentError(ErrorSite{call, c.rank}, "buff or handle is NULL");
    if (delegated(c)) return real().pass(real().need(real().ncclCommRegister, call)(c.real, buff, size, handle), call, c.real);
    *handle = new Registration{buff, size};
    addHandle(c, c.registrations, *handle);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommDeregister, const ncclComm_t comm, void* handle) {
  const char* call = "ncclCommDeregister";
  return guarded(call, [&] {
    ncclComm& c = liveComm(comm, call);
    if (delegated(c)) return real().pass(real().need(real().ncclCommDeregister, call)(c.real, handle), call, c.real);
    takeHandle(c, c.registrations, handle, call);
    delete static_cast<Registration*>(handle);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommWindowRegister, ncclComm_t comm, void* buff, size_t size,
              ncclWindow_t* win, int winFlags) {
  const char* call = "ncclCommWindowRegister";
  return guarded(call, [&] {
    ncclComm& c = readyComm(comm, call);
    if (win == nullptr || (buff == nullptr && size > 0))
      throw InvalidArgumentError(ErrorSite{call, c.rank}, "buff or win is NULL");
    if (delegated(c))
      return real().pass(real().need(real().ncclCommWindowRegister, call)(c.real, buff, size, win, winFlags),
                         call, c.real);
    // Only symmetric windows promise the same offsets on every rank (what the
    // zero-copy path needs); others, and empty ones, are recorded only.
    if (size == 0 || (winFlags & NCCL_WIN_COLL_SYMMETRIC) == 0)
      *win = new ncclWindow_vidmem{buff, size, winFlags, 0};
    else
      *win = new ncclWindow_vidmem{buff, size, winFlags, c.coll->registerWindow(buff, size)};
    addHandle(c, c.windows, *win);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommWindowDeregister, ncclComm_t comm, ncclWindow_t win) {
  const char* call = "ncclCommWindowDeregister";
  return guarded(call, [&] {
    ncclComm& c = liveComm(comm, call);
    if (delegated(c)) return real().pass(real().need(real().ncclCommWindowDeregister, call)(c.real, win), call, c.real);
    takeHandle(c, c.windows, win, call);
    const auto id = win->window;
    delete win;
    if (id != 0) c.coll->deregisterWindow(id);
    return ncclSuccess;
  });
}

// Native communicators hand out an operator id (ncclNumOps and up) and keep
// the scalar: its value for a host immediate, its address for a device one.
LCCL_NCCL_API(ncclResult_t, ncclRedOpCreatePreMulSum, ncclRedOp_t* op, void* scalar,
              ncclDataType_t datatype, ncclScalarResidence_t residence, ncclComm_t comm) {
  const char* call = "ncclRedOpCreatePreMulSum";
  return guarded(call, [&] {
    ncclComm& c = readyComm(comm, call);
    ErrorSite site{call, c.rank};
    if (op == nullptr || scalar == nullptr) throw InvalidArgumentError(site, "op or scalar is NULL");
    toDataType(datatype, call);
    if (residence != ncclScalarDevice && residence != ncclScalarHostImmediate)
      throw InvalidArgumentError(site, "invalid scalar residence " +
                                           std::to_string(static_cast<int>(residence)));
    if (delegated(c))
      return real().pass(real().ncclRedOpCreatePreMulSum(op, scalar, datatype, residence, c.real),
                         call, c.real);
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.nextOp == ncclMaxRedOp) throw InvalidUsageError(site, "too many custom operators");
    ncclComm::PreMulOp m{datatype, residence == ncclScalarDevice, scalar, 0};
    if (!m.onDevice) std::memcpy(&m.hostBits, scalar, ncclTypeSize(datatype));
    *op = static_cast<ncclRedOp_t>(c.nextOp++);
    c.customOps[*op] = m;
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclRedOpDestroy, ncclRedOp_t op, ncclComm_t comm) {
  const char* call = "ncclRedOpDestroy";
  return guarded(call, [&] {
    ncclComm& c = liveComm(comm, call);
    if (delegated(c)) return real().pass(real().ncclRedOpDestroy(op, c.real), call, c.real);
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.customOps.erase(static_cast<int>(op)) == 0)
      throw InvalidArgumentError(ErrorSite{call, c.rank},
                                 "operator " + std::to_string(static_cast<int>(op)) +
                                     " was not created by ncclRedOpCreatePreMulSum on this "
                                     "communicator");
    return ncclSuccess;
  });
}
