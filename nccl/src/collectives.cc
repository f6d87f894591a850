// Collective and point-to-point entry points, and the one path they share:
// check the arguments once, then run the call natively on lccl::Collectives
// or hand it to the fallback NCCL of a delegated communicator.
#include <cstdint>
#include <limits>

#include "api.hpp"
#include "comm.hpp"
#include "fallback.hpp"
#include "group.hpp"
#include "plans.hpp"
#include "lccl/logging.hpp"
#include "types.hpp"

using namespace lccl;
using namespace lccl::nccl;

namespace {

enum class Coll { AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, AllToAll, Gather, Scatter,
                  Send, Recv };

// One call as the application made it. `root` is the root rank (Broadcast,
// Reduce, Gather, Scatter), the peer (Send, Recv) or -1.
struct Call {
  Coll kind;
  const char* name;
  const void* send;
  void* recv;
  size_t count;
  ncclDataType_t type;
  ncclRedOp_t op;
  int root;
  ncclComm_t comm;
  cudaStream_t stream;
};

bool isReduction(Coll k) {
  return k == Coll::AllReduce || k == Coll::ReduceScatter || k == Coll::Reduce;
}
bool isRooted(Coll k) {
  return k == Coll::Broadcast || k == Coll::Reduce || k == Coll::Gather || k == Coll::Scatter;
}
bool isP2P(Coll k) { return k == Coll::Send || k == Coll::Recv; }

// Elements a rank touches in its largest buffer: count x nranks for the
// gathered/scattered side of AllGather, ReduceScatter, AllToAll, Gather, Scatter.
size_t spanFactor(Coll k, int nranks) {
  switch (k) {
    case Coll::AllGather: case Coll::ReduceScatter: case Coll::AllToAll: case Coll::Gather:
    case Coll::Scatter: return static_cast<size_t>(nranks);
    default: return 1;
  }
}

// Whether the send / receive buffer is used on this rank (NCCL: broadcast and
// scatter read sendbuff on the root only; reduce and gather write recvbuff on
// the root only).
bool usesSend(const Call& c, int rank) {
  if (c.kind == Coll::Recv) return false;
  if (c.kind == Coll::Broadcast || c.kind == Coll::Scatter) return rank == c.root;
  return true;
}
bool usesRecv(const Call& c, int rank) {
  if (c.kind == Coll::Send) return false;
  if (c.kind == Coll::Reduce || c.kind == Coll::Gather) return rank == c.root;
  return true;
}

// The operator of a reduction: a built-in one, or a PreMulSum created on this
// communicator for the call's data type.
Reduction reductionOf(const Call& c, ncclComm& comm, uint64_t* hostBits) {
  if (isBuiltinOp(c.op)) return toReduceOp(c.op, c.name);
  ErrorSite site{c.name, comm.rank};
  ncclComm::PreMulOp m;
  {
    std::lock_guard<std::mutex> lock(comm.mu);
    auto it = comm.customOps.find(static_cast<int>(c.op));
    if (it == comm.customOps.end())
      throw InvalidArgumentError(site, "invalid reduction operator " +
                                           std::to_string(static_cast<int>(c.op)));
    m = it->second;
  }
  if (m.type != c.type)
    throw InvalidArgumentError(site, std::string("operator ") + std::to_string(static_cast<int>(c.op)) +
                                         " was created for " + ncclTypeName(m.type) +
                                         ", the call's data type is " + ncclTypeName(c.type));
  *hostBits = m.hostBits;
  return Reduction::preMulSum(m.onDevice ? m.device : hostBits, m.onDevice);
}

void checkOp(const Call& c, ncclComm& comm) {
  if (delegated(comm)) return;
  uint64_t bits;
  (void)reductionOf(c, comm, &bits);
}

// The boundary checks. Returns the communicator.
ncclComm& check(const Call& c) {
  ncclComm& comm = readyComm(c.comm, c.name);
  ErrorSite site{c.name, comm.rank};
  toDataType(c.type, c.name);
  if (isReduction(c.kind)) checkOp(c, comm);
  if ((isRooted(c.kind) || isP2P(c.kind)) && (c.root < 0 || c.root >= comm.nranks))
    throw InvalidArgumentError(site, std::string(isP2P(c.kind) ? "peer " : "root ") +
                                         std::to_string(c.root) + " out of range [0, " +
                                         std::to_string(comm.nranks) + ")");
  const size_t limit = std::numeric_limits<size_t>::max() /
                       (ncclTypeSize(c.type) * spanFactor(c.kind, comm.nranks));
  if (c.count > limit || c.count > static_cast<size_t>(std::numeric_limits<int64_t>::max()))
    throw InvalidArgumentError(site, "count " + std::to_string(c.count) +
                                         " overflows the buffer size (negative count?)");
  if (c.count > 0 && usesSend(c, comm.rank) && c.send == nullptr)
    throw InvalidArgumentError(site, "sendbuff is NULL");
  if (c.count > 0 && usesRecv(c, comm.rank) && c.recv == nullptr)
    throw InvalidArgumentError(site, "recvbuff is NULL");
  return comm;
}

void copyAsync(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
  if (dst != src) LCCL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream));
}

// Gather and Scatter: the root exchanges one piece with every peer in one group.
void gatherOrScatter(const Call& c, Collectives& k, int rank, int nranks, DataType t) {
  const size_t bytes = c.count * dataTypeSize(t);
  const bool gather = c.kind == Coll::Gather;
  k.groupStart();
  try {
    if (rank != c.root) {
      if (gather) k.send(c.send, c.count, t, c.root, c.stream);
      else k.recv(c.recv, c.count, t, c.root, c.stream);
    } else {
      for (int p = 0; p < nranks; ++p) {
        if (gather) {
          char* slot = static_cast<char*>(c.recv) + p * bytes;
          if (p == rank) copyAsync(slot, c.send, bytes, c.stream);
          else k.recv(slot, c.count, t, p, c.stream);
        } else {
          const char* slot = static_cast<const char*>(c.send) + p * bytes;
          if (p == rank) copyAsync(c.recv, slot, bytes, c.stream);
          else k.send(slot, c.count, t, p, c.stream);
        }
      }
    }
  } catch (...) {
    k.groupEnd();
    throw;
  }
  k.groupEnd();
}

// The plan collective of a call kind (false: no plan can serve it).
bool planCollective(Coll k, plan::Collective& out) {
  switch (k) {
    case Coll::AllReduce: out = plan::Collective::AllReduce; return true;
    case Coll::AllGather: out = plan::Collective::AllGather; return true;
    case Coll::ReduceScatter: out = plan::Collective::ReduceScatter; return true;
    case Coll::Broadcast: out = plan::Collective::Broadcast; return true;
    case Coll::Reduce: out = plan::Collective::Reduce; return true;
    case Coll::AllToAll: out = plan::Collective::AllToAll; return true;
    default: return false;
  }
}

// Runs the call through a plan of LCCL_PLAN_DIR when one serves it.
bool runPlan(const Call& c, ncclComm& comm, DataType t, ReduceOp op) {
  plan::Collective pc;
  if (!planCollective(c.kind, pc)) return false;
  const plan::PlanLibrary& lib = planLibrary();
  if (lib.size() == 0) return false;
  const bool inplace = callInPlace(pc, c.send, c.recv, c.count, t, comm.rank);
  const plan::Plan* p =
      findPlan(lib, pc, comm.nranks, c.count, t, op, inplace, isRooted(c.kind) ? c.root : -1);
  if (p == nullptr) return false;
  if (!comm.executor) comm.executor = std::make_unique<Executor>(comm.communicator);
  comm.executor->run(*p, c.send, c.recv, c.count, t, op, c.stream);
  LCCL_INFO("%s: plan %s served count %zu %s, rank %d/%d", c.name, p->name.c_str(), c.count,
            ncclTypeName(c.type), comm.rank, comm.nranks);
  return true;
}

void runNative(const Call& c, ncclComm& comm) {
  const DataType t = toDataType(c.type, c.name);
  uint64_t scalarBits = 0;  // a host PreMulSum scalar, read by the enqueue below
  const Reduction op = isReduction(c.kind) ? reductionOf(c, comm, &scalarBits) : ReduceOp::Sum;
  DeviceGuard guard(comm.device);
  setLogRank(comm.rank);
  group::touch(comm);
  if (op.op != ReduceOp::PreMulSum && runPlan(c, comm, t, op.op)) return;  // plans do not scale
  Collectives& k = *comm.coll;
  switch (c.kind) {
    case Coll::AllReduce: k.allReduce(c.send, c.recv, c.count, t, op, c.stream); break;
    case Coll::AllGather: k.allGather(c.send, c.recv, c.count, t, c.stream); break;
    case Coll::ReduceScatter: k.reduceScatter(c.send, c.recv, c.count, t, op, c.stream); break;
    case Coll::Broadcast: k.broadcast(c.send, c.recv, c.count, t, c.root, c.stream); break;
    case Coll::Reduce: k.reduce(c.send, c.recv, c.count, t, op, c.root, c.stream); break;
    case Coll::AllToAll: k.allToAll(c.send, c.recv, c.count, t, c.stream); break;
    case Coll::Gather:
    case Coll::Scatter: gatherOrScatter(c, k, comm.rank, comm.nranks, t); break;
    case Coll::Send: k.send(c.send, c.count, t, c.root, c.stream); break;
    case Coll::Recv: k.recv(c.recv, c.count, t, c.root, c.stream); break;
  }
}

ncclResult_t runDelegated(const Call& c, ncclComm& comm) {
  const RealNccl& lib = *loadedFallback();
  group::touch(comm);
  ncclComm_t r = comm.real;
  ncclResult_t res = ncclSuccess;
  switch (c.kind) {
    case Coll::AllReduce:
      res = lib.ncclAllReduce(c.send, c.recv, c.count, c.type, c.op, r, c.stream); break;
    case Coll::AllGather:
      res = lib.ncclAllGather(c.send, c.recv, c.count, c.type, r, c.stream); break;
    case Coll::ReduceScatter:
      res = lib.ncclReduceScatter(c.send, c.recv, c.count, c.type, c.op, r, c.stream); break;
    case Coll::Broadcast:
      res = lib.ncclBroadcast(c.send, c.recv, c.count, c.type, c.root, r, c.stream); break;
    case Coll::Reduce:
      res = lib.ncclReduce(c.send, c.recv, c.count, c.type, c.op, c.root, r, c.stream); break;
    case Coll::AllToAll:
      res = lib.need(lib.ncclAlltoAll, "ncclAlltoAll")(c.send, c.recv, c.count, c.type, r, c.stream);
      break;
    case Coll::Gather:
      res = lib.need(lib.ncclGather, "ncclGather")(c.send, c.recv, c.count, c.type, c.root, r,
                                                   c.stream);
      break;
    case Coll::Scatter:
      res = lib.need(lib.ncclScatter, "ncclScatter")(c.send, c.recv, c.count, c.type, c.root, r,
                                                     c.stream);
      break;
    case Coll::Send: res = lib.ncclSend(c.send, c.count, c.type, c.root, r, c.stream); break;
    case Coll::Recv: res = lib.ncclRecv(c.recv, c.count, c.type, c.root, r, c.stream); break;
  }
  lib.check(res, c.name, r);
  return res;
}

// The one internal path of every entry point below.
ncclResult_t enqueue(const Call& c) {
  return guarded(c.name, [&] {
    ncclComm& comm = check(c);
    if (c.count == 0) return ncclSuccess;
    if (delegated(comm)) return runDelegated(c, comm);
    runNative(c, comm);
    LCCL_INFO("lccl served %s: count %zu %s %s root/peer %d, rank %d/%d, stream %p", c.name,
              c.count, ncclTypeName(c.type), isReduction(c.kind) ? ncclOpName(c.op) : "-", c.root,
              comm.rank, comm.nranks, static_cast<void*>(c.stream));
    return ncclSuccess;
  });
}

}  // namespace

LCCL_NCCL_API(ncclResult_t, ncclAllReduce, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::AllReduce, "ncclAllReduce", sendbuff, recvbuff, count, datatype, op, -1,
                  comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclAllGather, const void* sendbuff, void* recvbuff, size_t sendcount,
              ncclDataType_t datatype, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::AllGather, "ncclAllGather", sendbuff, recvbuff, sendcount, datatype,
                  ncclSum, -1, comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclReduceScatter, const void* sendbuff, void* recvbuff,
              size_t recvcount, ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm,
              cudaStream_t stream) {
  return enqueue({Coll::ReduceScatter, "ncclReduceScatter", sendbuff, recvbuff, recvcount,
                  datatype, op, -1, comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclBroadcast, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, int root, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::Broadcast, "ncclBroadcast", sendbuff, recvbuff, count, datatype, ncclSum,
                  root, comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclBcast, void* buff, size_t count, ncclDataType_t datatype, int root,
              ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::Broadcast, "ncclBcast", buff, buff, count, datatype, ncclSum, root, comm,
                  stream});
}

LCCL_NCCL_API(ncclResult_t, ncclReduce, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, ncclRedOp_t op, int root, ncclComm_t comm,
              cudaStream_t stream) {
  return enqueue({Coll::Reduce, "ncclReduce", sendbuff, recvbuff, count, datatype, op, root, comm,
                  stream});
}

LCCL_NCCL_API(ncclResult_t, ncclAlltoAll, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::AllToAll, "ncclAlltoAll", sendbuff, recvbuff, count, datatype, ncclSum, -1,
                  comm, stream});
}

// RCCL's and others' spelling of the same call (not in NVIDIA's header).
LCCL_NCCL_API(ncclResult_t, ncclAllToAll, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::AllToAll, "ncclAllToAll", sendbuff, recvbuff, count, datatype, ncclSum, -1,
                  comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclGather, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, int root, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::Gather, "ncclGather", sendbuff, recvbuff, count, datatype, ncclSum, root,
                  comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclScatter, const void* sendbuff, void* recvbuff, size_t count,
              ncclDataType_t datatype, int root, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::Scatter, "ncclScatter", sendbuff, recvbuff, count, datatype, ncclSum, root,
                  comm, stream});
}

LCCL_NCCL_API(ncclResult_t, ncclSend, const void* sendbuff, size_t count, ncclDataType_t datatype,
              int peer, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::Send, "ncclSend", sendbuff, nullptr, count, datatype, ncclSum, peer, comm,
                  stream});
}

LCCL_NCCL_API(ncclResult_t, ncclRecv, void* recvbuff, size_t count, ncclDataType_t datatype,
              int peer, ncclComm_t comm, cudaStream_t stream) {
  return enqueue({Coll::Recv, "ncclRecv", nullptr, recvbuff, count, datatype, ncclSum, peer, comm,
                  stream});
}
