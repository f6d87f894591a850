// sweep.hpp — sizes, element counts and bandwidth arithmetic, as nccl-tests defines them.
//
// `bytes` is the size column of the table. For allgather, reducescatter,
// alltoall and alltoallv it is the total buffer (all ranks' parts); `count`
// is then the per-rank part, so a size that does not split evenly is rounded
// down to a multiple of nranks * typeSize. For the other collectives `count`
// is bytes / typeSize, rounded down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lccl_perf/options.hpp"
#include "lccl_perf/perf_types.hpp"

namespace lccl::perf {

// min, min*f, ... (f > 1) or min, min+i, ... (f == 1), every size <= max.
std::vector<uint64_t> sizeSweep(uint64_t minBytes, uint64_t maxBytes, uint64_t stepBytes,
                                uint64_t stepFactor);
std::vector<uint64_t> sizeSweep(const PerfOptions& o);

// Element counts of one operation (all in elements of the data type).
struct CollCounts {
  size_t count = 0;              // the count argument (per-rank part for allgather/reducescatter/alltoall[v])
  size_t sendCount = 0;          // elements read from the send buffer
  size_t recvCount = 0;          // elements written to the receive buffer
  size_t sendInPlaceOffset = 0;  // in place: send = recv + rank * this
  size_t recvInPlaceOffset = 0;  // in place: recv = recv + rank * this
  uint64_t bytes = 0;            // the size column (after rounding)
};
CollCounts collCounts(Collective c, uint64_t bytes, DType t, int nranks);

// Elements rank `src` sends to rank `dst` in alltoallv: between perPeer/2 and
// perPeer, varying with the pair, perPeer for pairs with (src + 2 dst) % n == 0.
size_t alltoallvCount(size_t perPeer, int src, int dst, int nranks);
// Per-peer counts and displacements (elements) of `rank`'s alltoallv: peer p's
// slot starts at p * perPeer in both buffers and holds alltoallvCount(...) elements.
struct AlltoallvArgs {
  std::vector<size_t> sendCounts, sendDispls, recvCounts, recvDispls;
};
AlltoallvArgs alltoallvArgs(size_t perPeer, int rank, int nranks);
// Bytes per rank moved by one alltoallv (sum over all pairs / nranks).
double alltoallvBytesPerRank(size_t perPeer, size_t typeSize, int nranks);

// busbw = algbw * factor: allreduce 2(n-1)/n; reducescatter, allgather,
// alltoall(v) (n-1)/n; broadcast, reduce, sendrecv 1.
double busBwFactor(Collective c, int nranks);
// algbw in GB/s (1e9 bytes) of one operation: the size column over the time,
// except alltoallv, which counts the bytes it moves.
double algBandwidth(Collective c, const CollCounts& k, DType t, int nranks, double seconds);

// Timed repeats of an n-iteration block: 3 (the median is reported) when one
// block moves at most 4 GiB, else 1. The same on every rank (depends on sizes only).
int timingRepeats(uint64_t bytesPerOp, int iters, int opsPerIter);

}  // namespace lccl::perf
