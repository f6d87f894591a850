// lccl/collectives.hpp — NCCL-semantics collectives on one communicator.
//
// Counts, roots, in-place rules and stream ordering follow NCCL:
//  - allReduce:     count elements in, count out; in place when send == recv.
//  - allGather:     sendCount per rank in, size*sendCount out; in place when
//                   send == recv + rank*sendCount.
//  - reduceScatter: size*recvCount in, recvCount out; in place when
//                   recv == send + rank*recvCount.
//  - broadcast / reduce: count elements, `root` is a rank.
//  - allToAll:      countPerPeer elements to and from every rank.
//  - allToAllv:     per-peer counts and displacements, in elements.
//  - send / recv:   matched per (peer, order); batch them inside
//                   groupStart()/groupEnd() to avoid deadlock.
// Every call is asynchronous on `stream`, does no host synchronisation and no
// allocation after warm-up, and may be captured in a CUDA graph. Errors are
// thrown as lccl's typed exceptions (InvalidArgumentError for bad input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lccl/communicator.hpp"
#include "lccl/gpu.hpp"

namespace lccl {

enum class DataType : int {
  Int8 = 0, Uint8, Int32, Uint32, Int64, Uint64, Float16, Float32, Float64, BFloat16,
  Fp8E4M3, Fp8E5M2, Count
};
enum class ReduceOp : int { Sum = 0, Prod, Max, Min, Avg, PreMulSum, Count };

size_t dataTypeSize(DataType t);
const char* dataTypeName(DataType t);   // nccl-tests spelling: int8, bfloat16, ...
const char* reduceOpName(ReduceOp op);  // sum, prod, max, min, avg, premulsum

// A reduction operator with its argument. Every ReduceOp converts to one
// implicitly. A pre-multiplied sum (NCCL's ncclRedOpCreatePreMulSum) scales
// each rank's input by that rank's own scalar, then sums:
//   out[i] = sum over r, in rank order, of round(in_r[i] * scalar_r)
// where the product is rounded to the data type (as NCCL multiplies in the
// type) and the sum accumulates as Sum does. The scalar has the call's data
// type. Host scalar: its value is read when the call is enqueued (a captured
// CUDA graph replays that value). Device scalar: read by the kernel when the
// call runs, so it may change between graph replays; it must stay valid until
// the call has completed on the stream.
struct Reduction {
  ReduceOp op = ReduceOp::Sum;
  const void* scalar = nullptr;  // PreMulSum only
  bool scalarOnDevice = false;

  Reduction(ReduceOp o) : op(o) {}  // NOLINT: implicit on purpose
  static Reduction preMulSum(const void* scalar, bool onDevice) {
    Reduction r(ReduceOp::PreMulSum);
    r.scalar = scalar;
    r.scalarOnDevice = onDevice;
    return r;
  }
};

class Collectives {
 public:
  explicit Collectives(std::shared_ptr<Communicator> comm);
  ~Collectives();
  Collectives(const Collectives&) = delete;
  Collectives& operator=(const Collectives&) = delete;

  Communicator& comm() const;

  void allReduce(const void* send, void* recv, size_t count, DataType type, Reduction op,
                 gpuStream_t stream);
  void allGather(const void* send, void* recv, size_t sendCount, DataType type,
                 gpuStream_t stream);
  void reduceScatter(const void* send, void* recv, size_t recvCount, DataType type, Reduction op,
                     gpuStream_t stream);
  void broadcast(const void* send, void* recv, size_t count, DataType type, int root,
                 gpuStream_t stream);
  void reduce(const void* send, void* recv, size_t count, DataType type, Reduction op, int root,
              gpuStream_t stream);
  void allToAll(const void* send, void* recv, size_t countPerPeer, DataType type,
                gpuStream_t stream);
  void allToAllv(const void* send, const size_t* sendCounts, const size_t* sendDispls, void* recv,
                 const size_t* recvCounts, const size_t* recvDispls, DataType type,
                 gpuStream_t stream);
  void send(const void* buf, size_t count, DataType type, int peer, gpuStream_t stream);
  void recv(void* buf, size_t count, DataType type, int peer, gpuStream_t stream);
  void groupStart();
  void groupEnd();

  // Forces this instance's AllReduce algorithm and protocol, with the syntax
  // of LCCL_ALGO / LCCL_PROTO (which it replaces for this instance); both ""
  // restores the environment's choice. An override the size cannot use is
  // ignored, as with the variables. For benchmarks and tests.
  void setAllReduceOverride(const std::string& algo, const std::string& proto);
  // Restricts the protocols AllGather, ReduceScatter and AllToAll may use,
  // with LCCL_PROTO's syntax (LL, LL128, Simple; "^x" excludes), replacing
  // the variable for this instance; "" restores it. A size the allowed
  // protocols cannot carry takes the Simple path. For benchmarks and tests.
  void setProtocols(const std::string& proto);

  // Registered windows (like NCCL's ncclCommWindowRegister): zero-copy
  // AllReduce. registerWindow is collective: every rank of the communicator
  // calls it, in the same order, each with its own buffer (of any size; the
  // same size is usual); it registers [ptr, ptr+bytes) and maps every peer's
  // window of the same call. The handle names window k on every rank.
  // deregisterWindow is collective too (same order), and must follow the end
  // of every call that uses the window on every rank (synchronize first).
  // Neither may run during CUDA graph capture; calls captured after
  // registration replay fine while the window lives.
  // An allReduce (not PreMulSum, within one node, where the algorithm choice
  // - defaults or a forced LCCL_ALGO/LCCL_PROTO - is the single-chunk Simple
  // two-shot; enabled on 2 to 4 ranks, the counts it is measured on) whose send
  // and recv both lie in registered windows runs zero-copy: no staging
  // through the scratch. The
  // call must then be symmetric: every rank's send lies in the same window at
  // the same offset, likewise every rank's recv, with the same count. The
  // kernel checks this and, on a mismatch, computes nothing and records a
  // device error (Communicator::checkDeviceErrors throws InvalidUsageError).
  // A rank whose buffers are not in windows takes the staged path, so all
  // ranks must agree on registering. In place (send == recv) is supported.
  using WindowHandle = uint64_t;  // 0: none
  WindowHandle registerWindow(void* ptr, size_t bytes);
  void deregisterWindow(WindowHandle window);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
