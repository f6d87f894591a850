// Hierarchical collectives (part of lccl-gpu-test-port-channel): the ranks
// are split into two pretend nodes (LCCL_PRETEND_NODES=2), memory channels
// inside a node, TCP port channels between them. AllReduce and AllGather
// against a CPU reference, outputs poisoned first and guarded past their end,
// integer-valued inputs (exact whatever the order of reduction), compared bit
// for bit; collectives without a multi-node path must throw lccl::Error. The
// first non-empty call has a never-launched kernel queued right behind it.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gpu_test_common.hpp"
#include "lccl/collectives.hpp"
#include "lccl/errors.hpp"

namespace porttest {

using lccl::DataType;
using lccl::ReduceOp;
using namespace gputest;

// Element i on rank r: small nonzero integers (products: 1s and 2s).
inline double hierValue(ReduceOp op, int r, size_t i) {
  uint64_t h = (i * 2654435761u) ^ (static_cast<uint64_t>(r + 1) * 40503u);
  h ^= h >> 13;
  if (op == ReduceOp::Prod) return 1 + static_cast<double>(h % 2);
  const int v = static_cast<int>(h % 9) - 4;
  return v == 0 ? 1 : v;
}

inline void storeValue(DataType t, double v, void* dst) {
  switch (t) {
    case DataType::Int32: *static_cast<int32_t*>(dst) = static_cast<int32_t>(v); break;
    case DataType::Int8: *static_cast<int8_t*>(dst) = static_cast<int8_t>(v); break;
    case DataType::Int64: *static_cast<int64_t*>(dst) = static_cast<int64_t>(v); break;
    case DataType::Float32: *static_cast<float*>(dst) = static_cast<float>(v); break;
    case DataType::Float64: *static_cast<double*>(dst) = v; break;
    case DataType::Float16: *static_cast<__half*>(dst) = __double2half(v); break;
    case DataType::BFloat16: *static_cast<__nv_bfloat16*>(dst) = __double2bfloat16(v); break;
    default: throw std::runtime_error("type not covered by this test");
  }
}

inline bool integerType(DataType t) {
  return t == DataType::Int32 || t == DataType::Int8 || t == DataType::Int64;
}

inline double hierReduced(DataType t, ReduceOp op, int n, size_t i) {
  double acc = hierValue(op, 0, i);
  for (int r = 1; r < n; ++r) {
    const double v = hierValue(op, r, i);
    if (op == ReduceOp::Prod) acc *= v;
    else if (op == ReduceOp::Max) acc = std::max(acc, v);
    else if (op == ReduceOp::Min) acc = std::min(acc, v);
    else acc += v;
  }
  if (op == ReduceOp::Avg) acc = integerType(t) ? std::trunc(acc / n) : acc / n;
  return acc;
}

struct HierCase {
  bool gather;  // AllGather, else AllReduce
  DataType type;
  ReduceOp op;
  size_t count;
  bool inPlace;
};

inline std::string hierName(const HierCase& c) {
  std::string n = std::string(c.gather ? "hier allgather " : "hier allreduce ") +
                  lccl::dataTypeName(c.type);
  if (!c.gather) n += std::string(" ") + lccl::reduceOpName(c.op);
  return n + " count=" + std::to_string(c.count) + (c.inPlace ? " in-place" : " out-of-place");
}

constexpr size_t kHierGuard = 64;

// Launched on the same stream right behind the first non-empty cross-node
// call, whose port kernels are still spinning: the launch loads this kernel
// lazily, which waits for the device while holding the CUDA context. The
// cross-node path must keep moving meanwhile (its proxy makes no CUDA call);
// it once deadlocked exactly here with the reduce kernel in this role.
__global__ void lazilyLoadedBehindTheCollective(int* flag) { *flag = 1; }

inline std::string runHierCase(Context& ctx, lccl::Collectives& coll, const HierCase& c,
                               bool launchBehind = false) {
  const int n = ctx.size, r = ctx.rank;
  const size_t es = lccl::dataTypeSize(c.type);
  const size_t outElems = c.gather ? c.count * n : c.count;
  const size_t outBytes = outElems * es;
  std::vector<uint8_t> in(c.count * es);
  for (size_t i = 0; i < c.count; ++i) storeValue(c.type, hierValue(c.op, r, i), &in[i * es]);
  DeviceBuffer recv(outBytes + kHierGuard), send(in.size() + 16);
  recv.fill(kPoison);
  const size_t inOff = c.gather ? r * c.count * es : 0;
  const void* sendPtr = send.get();
  if (c.inPlace) {
    recv.upload(in.data(), in.size(), inOff);
    sendPtr = recv.as<char>() + inOff;
  } else {
    send.upload(in.data(), in.size());
  }
  DeviceBuffer flag(sizeof(int));
  flag.fill(0);
  if (c.gather) coll.allGather(sendPtr, recv.get(), c.count, c.type, nullptr);
  else coll.allReduce(sendPtr, recv.get(), c.count, c.type, c.op, nullptr);
  if (launchBehind) {
    lazilyLoadedBehindTheCollective<<<1, 1>>>(flag.as<int>());
    GT_CUDA(cudaGetLastError());
  }
  if (!syncWithin(120)) return "timed out waiting for the collective";
  ctx.comm->checkDeviceErrors();
  if (launchBehind) {
    int f = 0;
    GT_CUDA(cudaMemcpy(&f, flag.get(), sizeof f, cudaMemcpyDeviceToHost));
    if (f != 1) return "the kernel launched behind the collective did not run";
  }
  const std::vector<uint8_t> got = recv.download();
  std::vector<uint8_t> want(es);
  for (size_t i = 0; i < outElems; ++i) {
    const double v = c.gather ? hierValue(c.op, static_cast<int>(i / c.count), i % c.count)
                              : hierReduced(c.type, c.op, n, i);
    storeValue(c.type, v, want.data());
    if (std::memcmp(&got[i * es], want.data(), es) != 0)
      return "element " + std::to_string(i) + " differs from the reference";
  }
  for (size_t b = outBytes; b < outBytes + kHierGuard; ++b)
    if (got[b] != kPoison) return "wrote past the end of the receive buffer";
  return "";
}

inline std::vector<HierCase> hierCases() {
  std::vector<HierCase> cases;
  const size_t counts[] = {0, 1, 7, 1023, 300001, (9u << 20) + 5};
  for (size_t count : counts)
    for (bool inPlace : {false, true}) {
      for (DataType t : {DataType::Float32, DataType::BFloat16, DataType::Int32})
        for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max}) {
          if (count > (1u << 20) && !(t == DataType::Float32 && op == ReduceOp::Sum)) continue;
          cases.push_back({false, t, op, count, inPlace});
        }
      if (count <= (1u << 20)) {
        cases.push_back({false, DataType::Int32, ReduceOp::Avg, count, inPlace});
        cases.push_back({false, DataType::Float32, ReduceOp::Avg, count, inPlace});
        cases.push_back({false, DataType::Float16, ReduceOp::Min, count, inPlace});
        cases.push_back({false, DataType::Int8, ReduceOp::Prod, count, inPlace});
        cases.push_back({false, DataType::Float64, ReduceOp::Prod, count, inPlace});
      }
      for (DataType t : {DataType::Float32, DataType::BFloat16, DataType::Int8})
        if (count <= (1u << 20) || t == DataType::Float32) cases.push_back({true, t, ReduceOp::Sum, count, inPlace});
    }
  return cases;
}

// Collectives without a multi-node path must refuse with lccl::Error.
inline std::string checkUnsupportedThrows(lccl::Collectives& coll, int n) {
  DeviceBuffer a(4096 * n), b(4096 * n);
  try {
    coll.reduceScatter(a.get(), b.get(), 16, DataType::Float32, ReduceOp::Sum, nullptr);
  } catch (const lccl::Error&) {
    return "";
  }
  return "reduceScatter across nodes neither ran hierarchically nor threw lccl::Error";
}

}  // namespace porttest

// Rank 0 prints the node split; every case reports PASS/FAIL (collective).
inline void testHierarchicalCollectives(gputest::Context& ctx) {
  using namespace porttest;
  std::unique_ptr<lccl::Collectives> coll;
  std::string why;
  try {
    coll = std::make_unique<lccl::Collectives>(ctx.comm);
  } catch (const std::exception& e) {
    why = std::string("exception: ") + e.what();
  }
  if (!report(ctx, "hier setup (" + std::to_string(ctx.comm->nodeCount()) + " nodes)",
              why.empty(), why))
    return;
  bool first = true;  // the first non-empty call gets a lazily loaded kernel behind it
  for (const HierCase& c : hierCases()) {
    const bool behind = first && c.count > 0;
    if (behind) first = false;
    try {
      why = runHierCase(ctx, *coll, c, behind);
    } catch (const std::exception& e) {
      why = std::string("exception: ") + e.what();
    }
    const std::string name = hierName(c) + (behind ? " + lazily loaded kernel behind it" : "");
    if (!report(ctx, name, why.empty(), why)) return;  // state unknown after a failure
  }
  try {
    why = checkUnsupportedThrows(*coll, ctx.size);
  } catch (const std::exception& e) {
    why = std::string("exception: ") + e.what();
  }
  report(ctx, "hier unsupported collective throws", why.empty(), why);
  GT_CUDA(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);
}
