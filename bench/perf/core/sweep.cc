#include "lccl_perf/sweep.hpp"

namespace lccl::perf {

std::vector<uint64_t> sizeSweep(uint64_t minBytes, uint64_t maxBytes, uint64_t stepBytes,
                                uint64_t stepFactor) {
  if (minBytes > maxBytes)
    throw UsageError("-b (" + std::to_string(minBytes) + ") is larger than -e (" +
                     std::to_string(maxBytes) + ")");
  std::vector<uint64_t> sizes;
  for (uint64_t s = minBytes; s <= maxBytes;) {
    sizes.push_back(s);
    uint64_t next = stepFactor > 1 ? s * stepFactor : s + stepBytes;
    if (next <= s) break;  // no progress (step 0, size 0) or overflow
    s = next;
  }
  return sizes;
}

std::vector<uint64_t> sizeSweep(const PerfOptions& o) {
  return sizeSweep(o.minBytes, o.maxBytes, o.stepBytes, o.stepFactor);
}

CollCounts collCounts(Collective c, uint64_t bytes, DType t, int nranks) {
  const size_t ts = typeSize(t);
  const size_t n = static_cast<size_t>(nranks);
  const size_t total = bytes / ts;
  const size_t per = total / n;
  CollCounts k;
  switch (c) {
    case Collective::AllGather:
      k = {per, per, per * n, per, 0, per * n * ts};
      break;
    case Collective::ReduceScatter:
      k = {per, per * n, per, 0, per, per * n * ts};
      break;
    case Collective::AllToAll:
    case Collective::AllToAllv:
      k = {per, per * n, per * n, 0, 0, per * n * ts};
      break;
    default:  // allreduce, broadcast, reduce, sendrecv, m1
      k = {total, total, total, 0, 0, total * ts};
      break;
  }
  return k;
}

size_t alltoallvCount(size_t perPeer, int src, int dst, int nranks) {
  const size_t step = static_cast<size_t>((src + 2 * dst) % nranks);
  return perPeer - perPeer * step / (2 * static_cast<size_t>(nranks));
}

AlltoallvArgs alltoallvArgs(size_t perPeer, int rank, int nranks) {
  AlltoallvArgs a;
  for (int p = 0; p < nranks; ++p) {
    a.sendCounts.push_back(alltoallvCount(perPeer, rank, p, nranks));
    a.recvCounts.push_back(alltoallvCount(perPeer, p, rank, nranks));
    a.sendDispls.push_back(perPeer * static_cast<size_t>(p));
    a.recvDispls.push_back(perPeer * static_cast<size_t>(p));
  }
  return a;
}

double alltoallvBytesPerRank(size_t perPeer, size_t typeSize, int nranks) {
  double total = 0;
  for (int s = 0; s < nranks; ++s)
    for (int d = 0; d < nranks; ++d) total += static_cast<double>(alltoallvCount(perPeer, s, d, nranks));
  return total * static_cast<double>(typeSize) / nranks;
}

double busBwFactor(Collective c, int nranks) {
  const double n = nranks;
  switch (c) {
    case Collective::AllReduce:
    case Collective::M1:
      return 2.0 * (n - 1) / n;
    case Collective::ReduceScatter:
    case Collective::AllGather:
    case Collective::AllToAll:
    case Collective::AllToAllv:
      return (n - 1) / n;
    case Collective::Broadcast:
    case Collective::Reduce:
    case Collective::SendRecv:
      return 1.0;
  }
  return 1.0;
}

double algBandwidth(Collective c, const CollCounts& k, DType t, int nranks, double seconds) {
  if (seconds <= 0) return 0;
  double bytes = static_cast<double>(k.bytes);
  if (c == Collective::AllToAllv) bytes = alltoallvBytesPerRank(k.count, typeSize(t), nranks);
  return bytes / 1.0e9 / seconds;
}

int timingRepeats(uint64_t bytesPerOp, int iters, int opsPerIter) {
  const double block = static_cast<double>(bytesPerOp) * iters * (opsPerIter > 0 ? opsPerIter : 1);
  return block <= 4.0 * (1ull << 30) ? 3 : 1;
}

}  // namespace lccl::perf
