// backend.hpp — one interface for the libraries lccl-perf compares.
//
// The timing loop is written once against Backend; LcclBackend and
// NcclBackend implement it. Every method enqueues on `stream` and throws
// std::runtime_error (or an lccl::Error) on failure.
#pragma once

#include <cuda_runtime.h>
#include <mpi.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "lccl_perf/perf_types.hpp"
#include "lccl_perf/sweep.hpp"

namespace lccl::perf {

// Throws std::runtime_error naming the call when a CUDA runtime call fails.
void cudaCheck(cudaError_t status, const char* call);
#define PERF_CUDA(call) ::lccl::perf::cudaCheck((call), #call)

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;      // "lccl" or "nccl"
  virtual std::string version() const = 0;
  virtual std::string location() const { return ""; }  // where the library was loaded from
  // Why this type/op cannot run with this library ("" when it can).
  virtual std::string unsupported(DType t, ROp op) const { return ""; }

  virtual void allReduce(const void* send, void* recv, size_t count, DType t, ROp op, cudaStream_t s) = 0;
  virtual void allGather(const void* send, void* recv, size_t sendCount, DType t, cudaStream_t s) = 0;
  virtual void reduceScatter(const void* send, void* recv, size_t recvCount, DType t, ROp op,
                             cudaStream_t s) = 0;
  virtual void broadcast(const void* send, void* recv, size_t count, DType t, int root, cudaStream_t s) = 0;
  virtual void reduce(const void* send, void* recv, size_t count, DType t, ROp op, int root,
                      cudaStream_t s) = 0;
  virtual void allToAll(const void* send, void* recv, size_t countPerPeer, DType t, cudaStream_t s) = 0;
  virtual void allToAllv(const void* send, const AlltoallvArgs& a, void* recv, DType t, cudaStream_t s) = 0;
  // Sends `count` elements to sendPeer and receives as many from recvPeer, as one group.
  virtual void sendRecv(const void* send, void* recv, size_t count, DType t, int sendPeer, int recvPeer,
                        cudaStream_t s) = 0;
  // --window 1: registers the two buffers as windows (collective); returns ""
  // or why they stay unregistered. deregisterWindows undoes it (collective).
  virtual std::string registerWindows(void* send, void* recv, size_t bytes) { return "not supported"; }
  virtual void deregisterWindows() {}
};

// One operation as the table runs it: buffers already offset for in-place runs.
struct CollCall {
  Collective coll = Collective::AllReduce;
  const void* send = nullptr;
  void* recv = nullptr;
  CollCounts counts;
  DType type = DType::Float;
  ROp op = ROp::Sum;
  int root = 0;
  int rank = 0;
  int nranks = 1;
  const AlltoallvArgs* a2av = nullptr;  // alltoallv only
};

// Send/receive pointers of an operation on (sendBuf, recvBuf), in place or not (nccl-tests' offsets).
CollCall makeCall(Collective c, void* sendBuf, void* recvBuf, const CollCounts& k, DType t, ROp op, int root,
                  int rank, int nranks, bool inPlace);
void enqueueCall(Backend& b, const CollCall& call, cudaStream_t s);

// Collective over `comm`: every rank gets a backend or every rank gets null
// and `why` (the first failing rank's message).
std::unique_ptr<Backend> makeLcclBackend(MPI_Comm comm, int device, std::string& why);
std::unique_ptr<Backend> makeNcclBackend(MPI_Comm comm, std::string& why);

}  // namespace lccl::perf
