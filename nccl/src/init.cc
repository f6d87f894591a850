// Communicator creation: unique ids, InitRank*, InitAll; the native-or-fallback
// decision every rank of a new communicator takes together.
#include "init.hpp"

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "api.hpp"
#include "fallback.hpp"
#include "group.hpp"
#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/logging.hpp"

namespace lccl::nccl {
namespace {

UniqueId toLccl(const ncclUniqueId& id) {
  static_assert(sizeof(ncclUniqueId) == sizeof(UniqueId), "unique ids must have one size");
  UniqueId out;
  std::memcpy(out.bytes, id.internal, sizeof(out.bytes));
  return out;
}

// Every rank reports whether it could build lccl's communicator and whether it
// can delegate; all take the same path.
struct Vote {
  int32_t needsFallback;
  int32_t canFallback;
};

std::vector<Vote> vote(Bootstrap& boot, Vote mine) {
  std::vector<Vote> all(boot.size());
  all[boot.rank()] = mine;
  boot.allGather(all.data(), sizeof(Vote));
  return all;
}

// Rank 0 makes the fallback NCCL's unique id and sends it to the others.
ncclUniqueId shareFallbackId(const RealNccl& lib, Bootstrap& boot) {
  struct Msg {
    int32_t ok;
    ncclUniqueId id;
  } msg{};
  if (boot.rank() == 0) {
    ncclResult_t r = lib.ncclGetUniqueId(&msg.id);
    msg.ok = r == ncclSuccess;
    for (int p = 1; p < boot.size(); ++p) boot.send(&msg, sizeof(msg), p, kFallbackIdTag);
    lib.check(r, "ncclGetUniqueId (fallback)", nullptr);
  } else {
    boot.recv(&msg, sizeof(msg), 0, kFallbackIdTag);
    if (!msg.ok)
      throw RemoteError(ErrorSite{"ncclCommInitRank", boot.rank(), 0},
                        "rank 0 could not create the fallback NCCL's unique id");
  }
  return msg.id;
}

void delegate(ncclComm& comm, Bootstrap& boot, const char* call) {
  const RealNccl& lib = *fallbackNccl();
  ncclUniqueId id = shareFallbackId(lib, boot);
  ncclComm_t real = nullptr;
  ncclConfig_t* cfg = comm.config.given ? &comm.config.raw : nullptr;
  ncclResult_t r = lib.ncclCommInitRankConfig(&real, comm.nranks, id, comm.rank, cfg);
  lib.check(r, call, real);
  while (r == ncclInProgress) {  // non-blocking config: lccl's init completes before returning
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lib.check(lib.ncclCommGetAsyncError(real, &r), call, real);
    lib.check(r, call, real);
  }
  comm.real = real;
}

// Builds lccl's communicator, or delegates it when some rank cannot be served
// natively (lccl::Collectives refuses it with InvalidUsageError).
void build(ncclComm& comm, const std::shared_ptr<Bootstrap>& boot, const char* call) {
  std::string why;
  try {
    comm.communicator = std::make_shared<Communicator>(boot, comm.device);
    // The shim serves one node natively (its teams, p2p and every collective
    // assume it); lccl's cross-node path covers AllReduce/AllGather only.
    if (comm.communicator->nodeCount() > 1)
      throw InvalidUsageError(ErrorSite{call, comm.rank},
                              "ranks span " + std::to_string(comm.communicator->nodeCount()) +
                                  " nodes (hosts or LCCL_PRETEND_NODES): the NCCL API is served "
                                  "natively within one node only");
    comm.coll = std::make_unique<Collectives>(comm.communicator);
  } catch (const InvalidUsageError& e) {
    why = e.what();
    comm.coll.reset();
    comm.communicator.reset();
  }
  auto needs = vote(*boot, Vote{!why.empty(), fallbackConfigured()});
  int needing = -1;
  bool allConfigured = true;
  for (int r = 0; r < boot->size(); ++r) {
    if (needs[r].needsFallback && needing < 0) needing = r;
    allConfigured = allConfigured && needs[r].canFallback;
  }
  if (needing < 0) {
    LCCL_INFO("%s: rank %d/%d on device %d served by lccl", call, comm.rank, comm.nranks,
              comm.device);
    return;
  }
  comm.coll.reset();
  comm.communicator.reset();
  if (why.empty()) why = "rank " + std::to_string(needing) + " cannot be served (see its log)";
  ErrorSite site{call, comm.rank};
  if (!allConfigured)
    throw InvalidUsageError(site, "lccl cannot serve this communicator: " + why +
                                      "; set LCCL_NCCL_FALLBACK_LIB to the path of NVIDIA's "
                                      "libnccl.so.2 on every rank to delegate it");
  // Every rank loads the library before any of them starts the real init.
  std::string loadError;
  try {
    fallbackNccl();
  } catch (const Error& e) {
    loadError = e.what();
  }
  auto loads = vote(*boot, Vote{1, loadError.empty()});
  for (int r = 0; r < boot->size(); ++r)
    if (!loads[r].canFallback)
      throw InvalidUsageError(site, "the fallback NCCL could not be loaded on rank " +
                                        std::to_string(r) +
                                        (loadError.empty() ? "" : ": " + loadError));
  LCCL_INFO("%s: rank %d/%d delegated to the fallback NCCL (%s)", call, comm.rank, comm.nranks,
            why.c_str());
  delegate(comm, *boot, call);
}

void initComm(ncclComm& comm, const InitSpec& spec, const char* call) {
  DeviceGuard guard(spec.device);
  auto boot = std::make_shared<TcpBootstrap>(spec.rank, spec.nranks, spec.id);
  build(comm, boot, call);
}

void checkRank(int nranks, int rank, const char* call) {
  if (nranks < 1)
    throw InvalidArgumentError(ErrorSite{call}, "nranks " + std::to_string(nranks) +
                                                    " must be at least 1");
  if (rank < 0 || rank >= nranks)
    throw InvalidArgumentError(ErrorSite{call}, "rank " + std::to_string(rank) +
                                                    " out of range [0, " +
                                                    std::to_string(nranks) + ")");
}

// The argument checks shared by every InitRank flavour, then createComm.
ncclResult_t initRank(ncclComm_t* out, int nranks, const ncclUniqueId& id, int rank,
                      const ncclConfig_t* config, const char* call) {
  if (out == nullptr) throw InvalidArgumentError(ErrorSite{call}, "comm is NULL");
  *out = nullptr;
  checkRank(nranks, rank, call);
  InitSpec spec;
  spec.config = readConfig(config, call);
  spec.nranks = nranks;
  spec.rank = rank;
  spec.id = toLccl(id);
  spec.device = requireGpu(call);
  createComm(out, spec, call);
  return ncclSuccess;
}

}  // namespace

int requireGpu(const char* call) {
  int n = 0;
  cudaError_t st = cudaGetDeviceCount(&n);
  if (st != cudaSuccess) {
    (void)cudaGetLastError();
    throw CudaError(ErrorSite{call}, "no usable CUDA device: cudaGetDeviceCount", st);
  }
  if (n == 0) throw CudaError(ErrorSite{call}, "no CUDA device is visible", cudaErrorNoDevice);
  int device = 0;
  LCCL_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

void createComm(ncclComm_t* out, const InitSpec& spec, const char* call) {
  auto comm = std::make_unique<ncclComm>();
  comm->rank = spec.rank;
  comm->nranks = spec.nranks;
  comm->device = spec.device;
  comm->config = spec.config;
  if (group::active()) {
    ncclComm* c = comm.release();
    registerComm(c);
    *out = c;
    group::defer(c, [c, spec, call] { initComm(*c, spec, call); });
    return;
  }
  initComm(*comm, spec, call);
  comm->state = CommState::Ready;
  registerComm(comm.get());
  *out = comm.release();
}

ncclComm* wrapDelegated(ncclComm_t real, int device, const Config& config) {
  const RealNccl& lib = *loadedFallback();
  auto comm = std::make_unique<ncclComm>();
  lib.check(lib.ncclCommUserRank(real, &comm->rank), "ncclCommUserRank", real);
  lib.check(lib.ncclCommCount(real, &comm->nranks), "ncclCommCount", real);
  comm->device = device;
  comm->config = config;
  comm->real = real;
  comm->state = CommState::Ready;
  registerComm(comm.get());
  return comm.release();
}

UniqueId shareId(Bootstrap& parent, const std::vector<int>& members, int leader, int tag) {
  UniqueId id{};
  if (parent.rank() == leader) {
    id = TcpBootstrap::createUniqueId();
    for (int m : members)
      if (m != leader) parent.send(&id, sizeof(id), m, tag);
  } else {
    parent.recv(&id, sizeof(id), leader, tag);
  }
  return id;
}

}  // namespace lccl::nccl

using namespace lccl;
using namespace lccl::nccl;

LCCL_NCCL_API(ncclResult_t, ncclGetUniqueId, ncclUniqueId* uniqueId) {
  return guarded("ncclGetUniqueId", [&] {
    if (uniqueId == nullptr)
      throw InvalidArgumentError(ErrorSite{"ncclGetUniqueId"}, "uniqueId is NULL");
    UniqueId id = TcpBootstrap::createUniqueId();
    std::memcpy(uniqueId->internal, id.bytes, sizeof(id.bytes));
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommInitRank, ncclComm_t* comm, int nranks, ncclUniqueId commId,
              int rank) {
  return guarded("ncclCommInitRank",
                 [&] { return initRank(comm, nranks, commId, rank, nullptr, "ncclCommInitRank"); });
}

LCCL_NCCL_API(ncclResult_t, ncclCommInitRankConfig, ncclComm_t* comm, int nranks,
              ncclUniqueId commId, int rank, ncclConfig_t* config) {
  return guarded("ncclCommInitRankConfig", [&] {
    return initRank(comm, nranks, commId, rank, config, "ncclCommInitRankConfig");
  });
}

// lccl's bootstrap has one root: the first id serves every rank.
LCCL_NCCL_API(ncclResult_t, ncclCommInitRankScalable, ncclComm_t* newcomm, int nranks, int myrank,
              int nId, ncclUniqueId* commIds, ncclConfig_t* config) {
  const char* call = "ncclCommInitRankScalable";
  return guarded(call, [&] {
    if (nId < 1 || commIds == nullptr)
      throw InvalidArgumentError(ErrorSite{call}, "nId must be at least 1 and commIds not NULL");
    return initRank(newcomm, nranks, commIds[0], myrank, config, call);
  });
}

// One process, several GPUs: one thread per rank joins the same bootstrap.
LCCL_NCCL_API(ncclResult_t, ncclCommInitAll, ncclComm_t* comm, int ndev, const int* devlist) {
  const char* call = "ncclCommInitAll";
  return guarded(call, [&] {
    if (comm == nullptr) throw InvalidArgumentError(ErrorSite{call}, "comm is NULL");
    if (ndev < 1)
      throw InvalidArgumentError(ErrorSite{call}, "ndev " + std::to_string(ndev) + " must be at least 1");
    requireGpu(call);
    int visible = gpuCount();
    std::vector<int> devices(ndev);
    for (int i = 0; i < ndev; ++i) {
      devices[i] = devlist ? devlist[i] : i;
      if (devices[i] < 0 || devices[i] >= visible)
        throw InvalidArgumentError(ErrorSite{call}, "device " + std::to_string(devices[i]) +
                                                        " out of range (" +
                                                        std::to_string(visible) + " visible)");
    }
    UniqueId id = TcpBootstrap::createUniqueId();
    std::vector<ncclComm_t> made(ndev, nullptr);
    std::vector<ncclResult_t> results(ndev, ncclSuccess);
    std::vector<std::string> messages(ndev);
    std::vector<std::thread> threads;
    for (int i = 0; i < ndev; ++i)
      threads.emplace_back([&, i] {
        results[i] = guarded(call, [&] {
          InitSpec spec;
          spec.nranks = ndev;
          spec.rank = i;
          spec.id = id;
          spec.device = devices[i];
          createComm(&made[i], spec, call);
          return ncclSuccess;
        });
        messages[i] = lastError();
      });
    for (auto& t : threads) t.join();
    for (int i = 0; i < ndev; ++i) {
      if (results[i] == ncclSuccess) continue;
      for (ncclComm_t c : made)
        if (c != nullptr) {
          unregisterComm(c);
          destroyComm(c);
        }
      setLastError(messages[i]);
      return results[i];
    }
    std::copy(made.begin(), made.end(), comm);
    return ncclSuccess;
  });
}
