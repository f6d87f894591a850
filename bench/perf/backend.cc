#include "backend.hpp"

namespace lccl::perf {

void cudaCheck(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(call) + ": " + cudaGetErrorName(status) + " (" +
                             cudaGetErrorString(status) + ")");
}

CollCall makeCall(Collective c, void* sendBuf, void* recvBuf, const CollCounts& k, DType t, ROp op, int root,
                  int rank, int nranks, bool inPlace) {
  CollCall call;
  call.coll = c;
  call.counts = k;
  call.type = t;
  call.op = op;
  call.root = root;
  call.rank = rank;
  call.nranks = nranks;
  const size_t ts = typeSize(t);
  auto* recv = static_cast<char*>(recvBuf);
  call.send = inPlace ? recv + k.sendInPlaceOffset * ts * static_cast<size_t>(rank) : sendBuf;
  call.recv = inPlace ? recv + k.recvInPlaceOffset * ts * static_cast<size_t>(rank) : recvBuf;
  return call;
}

void enqueueCall(Backend& b, const CollCall& c, cudaStream_t s) {
  const size_t n = c.counts.count;
  switch (c.coll) {
    case Collective::AllReduce: b.allReduce(c.send, c.recv, n, c.type, c.op, s); break;
    case Collective::AllGather: b.allGather(c.send, c.recv, n, c.type, s); break;
    case Collective::ReduceScatter: b.reduceScatter(c.send, c.recv, n, c.type, c.op, s); break;
    case Collective::Broadcast: b.broadcast(c.send, c.recv, n, c.type, c.root, s); break;
    case Collective::Reduce: b.reduce(c.send, c.recv, n, c.type, c.op, c.root, s); break;
    case Collective::AllToAll: b.allToAll(c.send, c.recv, n, c.type, s); break;
    case Collective::AllToAllv:
      if (!c.a2av) throw std::logic_error("alltoallv call without counts");
      b.allToAllv(c.send, *c.a2av, c.recv, c.type, s);
      break;
    case Collective::SendRecv:
      b.sendRecv(c.send, c.recv, n, c.type, (c.rank + 1) % c.nranks, (c.rank - 1 + c.nranks) % c.nranks, s);
      break;
    case Collective::M1: throw std::logic_error("m1 is not a single collective");
  }
}

}  // namespace lccl::perf
