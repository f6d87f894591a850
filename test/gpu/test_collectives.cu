// GPU test of every collective against a CPU reference: every type, every op,
// in place and out of place, counts 0, 1, 7, 1023, 1M and one case larger
// than a staging chunk (types/ops subset for the two large counts), outputs
// poisoned first and guarded past their end, integer-valued inputs compared
// bit for bit (exact in any order of reduction). The LL128 paths also at
// the small sizes only a forced protocol sends them. Also CUDA-graph capture
// and replay with changed input data, and argument errors.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "gpu_test_common.hpp"
#include "lccl/collectives.hpp"
#include "lccl/errors.hpp"

using lccl::DataType;
using lccl::ReduceOp;
using namespace gputest;

namespace {

enum class Coll { AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, AllToAll };
const char* collName(Coll c) {
  static const char* n[] = {"allreduce", "allgather", "reducescatter", "broadcast", "reduce", "alltoall"};
  return n[static_cast<int>(c)];
}
bool reduces(Coll c) { return c == Coll::AllReduce || c == Coll::ReduceScatter || c == Coll::Reduce; }

// Value of element i on rank r: small integers, exact after any reduction.
double inputValue(DataType t, ReduceOp op, int r, size_t i) {
  uint64_t h = (i * 2654435761u) ^ (static_cast<uint64_t>(r + 1) * 40503u);
  h ^= h >> 13;
  if (op == ReduceOp::Prod) return 1 + (h % 2);  // products of 1s and 2s
  bool isUnsigned = t == DataType::Uint8 || t == DataType::Uint32 || t == DataType::Uint64;
  int span = t == DataType::Fp8E5M2 ? 2 : 4;
  int v = static_cast<int>(h % (2 * span + 1)) - span;
  if (isUnsigned) v = static_cast<int>(h % (span + 1));
  return v == 0 ? 1 : v;  // never zero
}

void storeAs(DataType t, double v, void* dst) {
  switch (t) {
    case DataType::Int8: *static_cast<int8_t*>(dst) = static_cast<int8_t>(v); break;
    case DataType::Uint8: *static_cast<uint8_t*>(dst) = static_cast<uint8_t>(v); break;
    case DataType::Int32: *static_cast<int32_t*>(dst) = static_cast<int32_t>(v); break;
    case DataType::Uint32: *static_cast<uint32_t*>(dst) = static_cast<uint32_t>(v); break;
    case DataType::Int64: *static_cast<int64_t*>(dst) = static_cast<int64_t>(v); break;
    case DataType::Uint64: *static_cast<uint64_t*>(dst) = static_cast<uint64_t>(v); break;
    case DataType::Float16: *static_cast<__half*>(dst) = __double2half(v); break;
    case DataType::Float32: *static_cast<float*>(dst) = static_cast<float>(v); break;
    case DataType::Float64: *static_cast<double*>(dst) = v; break;
    case DataType::BFloat16: *static_cast<__nv_bfloat16*>(dst) = __double2bfloat16(v); break;
    case DataType::Fp8E4M3: *static_cast<__nv_fp8_e4m3*>(dst) = __nv_fp8_e4m3(static_cast<float>(v)); break;
    case DataType::Fp8E5M2: *static_cast<__nv_fp8_e5m2*>(dst) = __nv_fp8_e5m2(static_cast<float>(v)); break;
    default: break;
  }
}

bool isInteger(DataType t) {
  return t == DataType::Int8 || t == DataType::Uint8 || t == DataType::Int32 ||
         t == DataType::Uint32 || t == DataType::Int64 || t == DataType::Uint64;
}

double combine(ReduceOp op, double a, double b) {
  switch (op) {
    case ReduceOp::Prod: return a * b;
    case ReduceOp::Max: return std::max(a, b);
    case ReduceOp::Min: return std::min(a, b);
    default: return a + b;
  }
}

// PreMulSum: rank r's scalar (small integers: every product stays exact).
double preMulScalar(int r) { return 1 + r % 3; }

// Rank r's contribution to a reduction of element i.
double contribution(DataType t, ReduceOp op, int r, size_t i) {
  const double v = inputValue(t, op, r, i);
  return op == ReduceOp::PreMulSum ? v * preMulScalar(r) : v;
}

// Reference reduction of element i over all ranks.
double reduced(DataType t, ReduceOp op, int nranks, size_t i) {
  double acc = contribution(t, op, 0, i);
  for (int r = 1; r < nranks; ++r) acc = combine(op, acc, contribution(t, op, r, i));
  if (op == ReduceOp::Avg) acc = isInteger(t) ? std::trunc(acc / nranks) : acc / nranks;
  return acc;
}

const DataType kAllTypes[] = {DataType::Int8, DataType::Uint8, DataType::Int32, DataType::Uint32,
                              DataType::Int64, DataType::Uint64, DataType::Float16, DataType::Float32,
                              DataType::Float64, DataType::BFloat16, DataType::Fp8E4M3, DataType::Fp8E5M2};
const ReduceOp kAllOps[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min, ReduceOp::Avg,
                            ReduceOp::PreMulSum};

struct Case {
  Coll coll;
  DataType type;
  ReduceOp op;
  size_t count;  // NCCL's count argument
  bool inPlace;
  int root;
};

struct Sizes {
  size_t sendElems, recvElems;
};
Sizes sizesOf(const Case& c, int n) {
  switch (c.coll) {
    case Coll::AllGather: return {c.count, c.count * n};
    case Coll::ReduceScatter: return {c.count * n, c.count};
    case Coll::AllToAll: return {c.count * n, c.count * n};
    default: return {c.count, c.count};
  }
}

// Element i of my input for the case.
double sendValue(const Case& c, int rank, int n, size_t i) {
  if (c.coll == Coll::AllGather) return inputValue(c.type, c.op, rank, i);
  if (c.coll == Coll::AllToAll) return inputValue(c.type, c.op, rank, i * 7 + 3);
  return inputValue(c.type, c.op, rank, i);
}

// Element i of my expected output (NaN: not checked).
double expectValue(const Case& c, int rank, int n, size_t i) {
  switch (c.coll) {
    case Coll::AllReduce: return reduced(c.type, c.op, n, i);
    case Coll::Reduce: return reduced(c.type, c.op, n, i);
    case Coll::ReduceScatter: return reduced(c.type, c.op, n, rank * c.count + i);
    case Coll::AllGather: return inputValue(c.type, c.op, static_cast<int>(i / c.count), i % c.count);
    case Coll::Broadcast: return inputValue(c.type, c.op, c.root, i);
    case Coll::AllToAll: {
      int src = static_cast<int>(i / c.count);
      return inputValue(c.type, c.op, src, (rank * c.count + i % c.count) * 7 + 3);
    }
  }
  return 0;
}

constexpr size_t kGuard = 64;

// The operator of a case: PreMulSum takes this rank's scalar from the host
// for out-of-place cases and from device memory (`devScalar`) for in-place ones.
lccl::Reduction reductionOf(const Case& c, int rank, uint64_t* hostBits, DeviceBuffer& devScalar) {
  if (c.op != ReduceOp::PreMulSum) return c.op;
  *hostBits = 0;
  storeAs(c.type, preMulScalar(rank), hostBits);
  if (!c.inPlace) return lccl::Reduction::preMulSum(hostBits, false);
  devScalar.upload(hostBits, sizeof(*hostBits));
  return lccl::Reduction::preMulSum(devScalar.get(), true);
}

void runColl(lccl::Collectives& coll, const Case& c, const void* send, void* recv, cudaStream_t s,
             lccl::Reduction op) {
  switch (c.coll) {
    case Coll::AllReduce: coll.allReduce(send, recv, c.count, c.type, op, s); break;
    case Coll::AllGather: coll.allGather(send, recv, c.count, c.type, s); break;
    case Coll::ReduceScatter: coll.reduceScatter(send, recv, c.count, c.type, op, s); break;
    case Coll::Broadcast: coll.broadcast(send, recv, c.count, c.type, c.root, s); break;
    case Coll::Reduce: coll.reduce(send, recv, c.count, c.type, op, c.root, s); break;
    case Coll::AllToAll: coll.allToAll(send, recv, c.count, c.type, s); break;
  }
}

std::string caseName(const Case& c) {
  std::string n = std::string(collName(c.coll)) + " " + lccl::dataTypeName(c.type);
  if (reduces(c.coll)) n += std::string(" ") + lccl::reduceOpName(c.op);
  if (reduces(c.coll) && c.op == ReduceOp::PreMulSum)
    n += c.inPlace ? " (device scalar)" : " (host scalar)";
  return n + " count=" + std::to_string(c.count) + (c.inPlace ? " in-place" : " out-of-place");
}

// Where my input lives inside the receive buffer for an in-place call.
size_t inPlaceOffset(const Case& c, int rank, size_t es) {
  if (c.coll == Coll::AllGather) return rank * c.count * es;
  return 0;
}

std::string checkCase(Context& ctx, lccl::Collectives& coll, const Case& c) {
  const int n = ctx.size, r = ctx.rank;
  const size_t es = lccl::dataTypeSize(c.type);
  const Sizes sz = sizesOf(c, n);
  const size_t recvBytes = std::max(sz.recvElems, sz.sendElems) * es;
  std::vector<uint8_t> in(sz.sendElems * es);
  for (size_t i = 0; i < sz.sendElems; ++i) storeAs(c.type, sendValue(c, r, n, i), &in[i * es]);
  DeviceBuffer recv(recvBytes + kGuard), send(in.size() + 16);
  recv.fill(kPoison);
  const void* sendPtr = send.get();
  void* recvPtr = recv.get();
  if (c.inPlace && c.coll == Coll::ReduceScatter) {
    // recv = send + rank*count: the send buffer is the big one.
    recv.upload(in.data(), in.size());
    sendPtr = recv.get();
    recvPtr = recv.as<char>() + r * c.count * es;
  } else if (c.inPlace) {
    recv.upload(in.data(), in.size(), inPlaceOffset(c, r, es));
    sendPtr = recv.as<char>() + inPlaceOffset(c, r, es);
  } else {
    send.upload(in.data(), in.size());
  }
  uint64_t scalarBits = 0;
  DeviceBuffer devScalar(sizeof(uint64_t));
  runColl(coll, c, sendPtr, recvPtr, nullptr, reductionOf(c, r, &scalarBits, devScalar));
  if (!syncWithin(30)) return "timed out waiting for the collective";
  ctx.comm->checkDeviceErrors();
  std::vector<uint8_t> got = recv.download();
  const size_t outOff = static_cast<const char*>(recvPtr) - recv.as<char>();
  bool rootOnly = c.coll == Coll::Reduce && r != c.root;
  std::vector<uint8_t> want(es);
  if (!rootOnly) {
    for (size_t i = 0; i < sz.recvElems; ++i) {
      storeAs(c.type, expectValue(c, r, n, i), want.data());
      if (std::memcmp(&got[outOff + i * es], want.data(), es) != 0)
        return "element " + std::to_string(i) + " differs from the reference";
    }
  }
  for (size_t b = recvBytes; b < recvBytes + kGuard; ++b)
    if (got[b] != kPoison) return "wrote past the end of the receive buffer";
  return "";
}

// Every type and op of `cl` at `counts`, in and out of place: a failing case
// is reported by name, then one line per (type, op) for all its cases.
// `what` (may be empty) names the path being forced.
void runCounts(Context& ctx, lccl::Collectives& coll, Coll cl, const std::vector<size_t>& counts,
               const std::string& what) {
  const std::string tag = what.empty() ? "" : " " + what;
  std::string list;
  for (size_t count : counts) list += (list.empty() ? "" : ",") + std::to_string(count);
  for (DataType t : kAllTypes)
    for (ReduceOp op : kAllOps) {
      if (!reduces(cl) && op != ReduceOp::Sum) continue;
      int failures = 0;
      for (size_t count : counts)
        for (bool inPlace : {false, true}) {
          Case c{cl, t, op, count, inPlace, ctx.size - 1};
          const std::string why = checkCase(ctx, coll, c);
          if (!why.empty()) {
            ++failures;
            report(ctx, caseName(c) + tag, false, why);
          }
        }
      int all = 0;
      MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
      report(ctx, std::string(collName(cl)) + tag + " " + lccl::dataTypeName(t) +
                      (reduces(cl) ? std::string(" ") + lccl::reduceOpName(op) : "") + " counts " +
                      list + " in/out of place",
             all == 0, "see the failures above");
    }
}

void runMatrix(Context& ctx, lccl::Collectives& coll) {
  for (Coll cl : {Coll::AllReduce, Coll::AllGather, Coll::ReduceScatter, Coll::Broadcast,
                  Coll::Reduce, Coll::AllToAll})
    runCounts(ctx, coll, cl, {0, 1, 7, 1023}, "");
}

void runLarge(Context& ctx, lccl::Collectives& coll) {
  const size_t counts[] = {1u << 20, (40u << 20) / 4 + 3};  // 1M elements; > one 32 MiB chunk
  const Coll colls[] = {Coll::AllReduce, Coll::AllGather, Coll::ReduceScatter, Coll::Broadcast,
                        Coll::Reduce, Coll::AllToAll};
  for (Coll cl : colls)
    for (DataType t : {DataType::Float32, DataType::BFloat16, DataType::Int32})
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::PreMulSum}) {
        if (op == ReduceOp::PreMulSum && (!reduces(cl) || t == DataType::Int32)) continue;
        for (size_t count : counts)
          for (bool inPlace : {false, true}) {
            size_t cnt = (cl == Coll::AllToAll || cl == Coll::AllGather) ? count / ctx.size + 1 : count;
            Case c{cl, t, op, cnt, inPlace, 1};
            const std::string why = checkCase(ctx, coll, c);
            report(ctx, caseName(c), why.empty(), why);
          }
      }
}

// The LL128 paths forced (Collectives::setProtocols, setAllReduceOverride)
// at sizes the default table serves with LL16: partial units, one unit, and
// many units over many blocks (1023 elements of 8 bytes: 18 units), every
// type and op; AllReduce one-shot and two-shot. Default sizes (1 - 16 MiB)
// are in runLarge and runGraph.
void runLL128(Context& ctx, lccl::Collectives& coll) {
  const std::vector<size_t> counts = {1, 7, 1023, 100003};
  coll.setAllReduceOverride("oneshot", "LL128");
  runCounts(ctx, coll, Coll::AllReduce, counts, "LL128 one-shot");
  coll.setAllReduceOverride("twoshot", "LL128");
  runCounts(ctx, coll, Coll::AllReduce, counts, "LL128 two-shot");
  coll.setAllReduceOverride("", "");
  coll.setProtocols("LL128");
  for (Coll cl : {Coll::AllGather, Coll::ReduceScatter, Coll::AllToAll}) runCounts(ctx, coll, cl, counts, "LL128");
  coll.setProtocols("");
}

// Broadcast and Reduce just beyond the LL sizes with every type and op, the
// first and the last rank as root (two ranks: Reduce takes the direct path
// in one chunk; with LCCL_DIRECT=2 LCCL_DIRECT_CHUNK_BYTES=1M both take it
// in four chunks, the last one short and, for 1-byte types, unaligned).
void runRootedLarge(Context& ctx, lccl::Collectives& coll) {
  for (Coll cl : {Coll::Broadcast, Coll::Reduce})
    for (DataType t : kAllTypes)
      for (ReduceOp op : kAllOps) {
        if (!reduces(cl) && op != ReduceOp::Sum) continue;
        for (int root : {0, ctx.size - 1}) {
          Case c{cl, t, op, (3u << 20) / lccl::dataTypeSize(t) + 7, root == 0, root};
          const std::string why = checkCase(ctx, coll, c);
          report(ctx, caseName(c) + " root=" + std::to_string(root), why.empty(), why);
        }
      }
}

// AllReduce and Reduce past kPipeMinBytes (128 MiB) run the pipelined
// two-shot kernel: several chunks in one launch, the last one shorter. On two
// ranks Reduce and Broadcast run the direct path there, whose stage slots
// are reused (9 chunks of 16 MiB, 4 slots).
void runPipelined(Context& ctx, lccl::Collectives& coll) {
  const size_t count = (130u << 20) / 4 + 5;
  for (Coll cl : {Coll::AllReduce, Coll::Reduce, Coll::Broadcast})
    for (bool inPlace : {false, true}) {
      Case c{cl, DataType::Float32, ReduceOp::Sum, count, inPlace, 1};
      const std::string why = checkCase(ctx, coll, c);
      report(ctx, caseName(c) + " (pipelined)", why.empty(), why);
    }
}

// AllGather and AllToAll with pieces past the pipelined push's default
// threshold on 2 and 4 ranks (32 MiB sent to the peers: runLarge's RS
// covers ReduceScatter), odd lengths so that the last chunk is short and,
// for bf16, not a multiple of 16 bytes.
void runPushPipe(Context& ctx, lccl::Collectives& coll) {
  for (Coll cl : {Coll::AllGather, Coll::AllToAll})
    for (DataType t : {DataType::Float32, DataType::BFloat16})
      for (bool inPlace : {false, true}) {
        Case c{cl, t, ReduceOp::Sum, (33u << 20) / lccl::dataTypeSize(t) + 5, inPlace, 0};
        const std::string why = checkCase(ctx, coll, c);
        report(ctx, caseName(c) + " (pipelined push)", why.empty(), why);
      }
}

// Capture one AllReduce in a graph; replay it with new inputs each time.
void runGraph(Context& ctx, lccl::Collectives& coll) {
  for (size_t count : {size_t{1000}, size_t{1} << 20, size_t{3} << 20}) {  // LL, LL128, Simple / LL128
    const size_t bytes = count * sizeof(float);
    DeviceBuffer send(bytes), recv(bytes);
    cudaStream_t s;
    GT_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    GT_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    coll.allReduce(send.get(), recv.get(), count, DataType::Float32, ReduceOp::Sum, s);
    GT_CUDA(cudaStreamEndCapture(s, &graph));
    GT_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    std::string why;
    for (int rep = 0; rep < 3 && why.empty(); ++rep) {
      std::vector<float> in(count);
      for (size_t i = 0; i < count; ++i) in[i] = static_cast<float>((i + rep * 5 + ctx.rank) % 9) - 4;
      send.upload(in.data(), bytes);
      recv.fill(kPoison);
      GT_CUDA(cudaGraphLaunch(exec, s));
      GT_CUDA(cudaStreamSynchronize(s));
      std::vector<float> out(count);
      GT_CUDA(cudaMemcpy(out.data(), recv.get(), bytes, cudaMemcpyDeviceToHost));
      for (size_t i = 0; i < count && why.empty(); ++i) {
        float want = 0;
        for (int r = 0; r < ctx.size; ++r) want += static_cast<float>((i + rep * 5 + r) % 9) - 4;
        if (out[i] != want) why = "replay " + std::to_string(rep) + " element " + std::to_string(i);
      }
    }
    GT_CUDA(cudaGraphExecDestroy(exec));
    GT_CUDA(cudaGraphDestroy(graph));
    GT_CUDA(cudaStreamDestroy(s));
    report(ctx, "graph replay allreduce float count=" + std::to_string(count), why.empty(), why);
  }
}

// PreMulSum with a device scalar in a graph: each replay reads the scalar
// the rank holds at that moment.
void runGraphPreMul(Context& ctx, lccl::Collectives& coll) {
  const size_t count = 1001;
  DeviceBuffer send(count * sizeof(float)), recv(count * sizeof(float)), scalar(sizeof(float));
  std::vector<float> in(count);
  for (size_t i = 0; i < count; ++i) in[i] = static_cast<float>((i + ctx.rank) % 7) - 3;
  send.upload(in.data(), in.size() * sizeof(float));
  cudaStream_t s;
  GT_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  GT_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
  coll.allReduce(send.get(), recv.get(), count, DataType::Float32,
                 lccl::Reduction::preMulSum(scalar.get(), true), s);
  GT_CUDA(cudaStreamEndCapture(s, &graph));
  GT_CUDA(cudaGraphInstantiate(&exec, graph, 0));
  std::string why;
  for (int rep = 0; rep < 3 && why.empty(); ++rep) {
    const float mine = static_cast<float>(rep + 1 + ctx.rank);
    scalar.upload(&mine, sizeof(mine));
    recv.fill(kPoison);
    GT_CUDA(cudaGraphLaunch(exec, s));
    GT_CUDA(cudaStreamSynchronize(s));
    std::vector<float> out(count);
    GT_CUDA(cudaMemcpy(out.data(), recv.get(), count * sizeof(float), cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < count && why.empty(); ++i) {
      float want = 0;
      for (int r = 0; r < ctx.size; ++r)
        want += (static_cast<float>((i + r) % 7) - 3) * static_cast<float>(rep + 1 + r);
      if (out[i] != want) why = "replay " + std::to_string(rep) + " element " + std::to_string(i);
    }
  }
  GT_CUDA(cudaGraphExecDestroy(exec));
  GT_CUDA(cudaGraphDestroy(graph));
  GT_CUDA(cudaStreamDestroy(s));
  report(ctx, "graph replay allreduce premulsum float, device scalar changed per replay", why.empty(), why);
}

template <class E, class F>
bool throwsAs(F&& f) {
  try {
    f();
  } catch (const E&) {
    return true;
  } catch (...) {
  }
  return false;
}

void runArgumentErrors(Context& ctx, lccl::Collectives& coll) {
  DeviceBuffer buf(4096);
  bool ok = throwsAs<lccl::InvalidArgumentError>([&] {
    coll.allReduce(nullptr, buf.get(), 16, DataType::Float32, ReduceOp::Sum, nullptr);
  });
  ok = ok && throwsAs<lccl::InvalidArgumentError>([&] {
    coll.allReduce(buf.get(), buf.get(), 16, static_cast<DataType>(99), ReduceOp::Sum, nullptr);
  });
  ok = ok && throwsAs<lccl::InvalidArgumentError>([&] {
    coll.broadcast(buf.get(), buf.get(), 16, DataType::Float32, ctx.size, nullptr);
  });
  ok = ok && throwsAs<lccl::InvalidArgumentError>([&] {
    coll.allReduce(buf.get(), buf.get(), 16, DataType::Float32, static_cast<ReduceOp>(42), nullptr);
  });
  ok = ok && throwsAs<lccl::InvalidArgumentError>([&] {
    coll.allReduce(buf.get(), buf.get(), 16, DataType::Float32, ReduceOp::PreMulSum, nullptr);
  });
  report(ctx, "argument errors are InvalidArgumentError", ok, "an invalid call did not throw");
}

// Bytes rank `src` sends to rank `dst` in the p2p tests (some zero, most odd).
size_t p2pCount(int src, int dst, size_t scale) {
  if ((src + 2 * dst) % 5 == 4) return 0;
  return scale * static_cast<size_t>(src + 1) + static_cast<size_t>(dst * 3 + 1);
}

uint8_t p2pByte(int src, int dst, size_t i) {
  return patternByte(static_cast<uint64_t>(src) * 131 + dst, i);
}

// A grouped exchange between every pair (self included) with uneven sizes:
// either as send/recv in a group or as one allToAllv.
std::string checkExchange(Context& ctx, lccl::Collectives& coll, size_t scale, bool asAllToAllv) {
  const int n = ctx.size, r = ctx.rank;
  std::vector<size_t> sc(n), sd(n), rc(n), rd(n);
  size_t sendTotal = 0, recvTotal = 0;
  for (int p = 0; p < n; ++p) {
    sc[p] = p2pCount(r, p, scale);
    sd[p] = sendTotal;
    sendTotal += sc[p];
    rc[p] = p2pCount(p, r, scale);
    rd[p] = recvTotal;
    recvTotal += rc[p];
  }
  std::vector<uint8_t> in(sendTotal + 1);
  for (int p = 0; p < n; ++p)
    for (size_t i = 0; i < sc[p]; ++i) in[sd[p] + i] = p2pByte(r, p, i);
  DeviceBuffer send(sendTotal + 1), recv(recvTotal + kGuard);
  send.upload(in.data(), sendTotal + 1);
  recv.fill(kPoison);
  if (asAllToAllv) {
    coll.allToAllv(send.get(), sc.data(), sd.data(), recv.get(), rc.data(), rd.data(), DataType::Uint8, nullptr);
  } else {
    coll.groupStart();
    for (int p = 0; p < n; ++p) {
      coll.send(send.as<char>() + sd[p], sc[p], DataType::Uint8, p, nullptr);
      coll.recv(recv.as<char>() + rd[p], rc[p], DataType::Uint8, p, nullptr);
    }
    coll.groupEnd();
  }
  if (!syncWithin(30)) return "timed out";
  ctx.comm->checkDeviceErrors();
  std::vector<uint8_t> got = recv.download();
  for (int p = 0; p < n; ++p)
    for (size_t i = 0; i < rc[p]; ++i)
      if (got[rd[p] + i] != p2pByte(p, r, i))
        return "byte " + std::to_string(i) + " from rank " + std::to_string(p) + " is wrong";
  for (size_t b = recvTotal; b < recvTotal + kGuard; ++b)
    if (got[b] != kPoison) return "wrote past the end of the receive buffer";
  return "";
}

// Ungrouped send/recv between pairs (0,1), (2,3): even ranks send first.
std::string checkPairs(Context& ctx, lccl::Collectives& coll, size_t bytes) {
  const int peer = ctx.rank ^ 1;
  if (peer >= ctx.size) return "";
  std::vector<uint8_t> out = pattern(ctx.rank + 77, bytes);
  DeviceBuffer send(bytes), recv(bytes);
  send.upload(out.data(), bytes);
  recv.fill(kPoison);
  if (ctx.rank % 2 == 0) {
    coll.send(send.get(), bytes, DataType::Uint8, peer, nullptr);
    coll.recv(recv.get(), bytes, DataType::Uint8, peer, nullptr);
  } else {
    coll.recv(recv.get(), bytes, DataType::Uint8, peer, nullptr);
    coll.send(send.get(), bytes, DataType::Uint8, peer, nullptr);
  }
  if (!syncWithin(30)) return "timed out";
  ctx.comm->checkDeviceErrors();
  std::vector<uint8_t> want = pattern(peer + 77, bytes);
  return firstMismatch(recv.download().data(), want.data(), bytes, "recv");
}

void runP2P(Context& ctx, lccl::Collectives& coll) {
  for (size_t scale : {size_t{0}, size_t{1000}, size_t{3} << 20}) {
    std::string why = checkExchange(ctx, coll, scale, false);
    report(ctx, "grouped send/recv all pairs, scale " + std::to_string(scale), why.empty(), why);
    why = checkExchange(ctx, coll, scale, true);
    report(ctx, "allToAllv uneven, scale " + std::to_string(scale), why.empty(), why);
  }
  for (size_t bytes : {size_t{1}, size_t{4099}, size_t{9} << 20}) {
    std::string why = checkPairs(ctx, coll, bytes);
    report(ctx, "send/recv pairs " + std::to_string(bytes) + " bytes", why.empty(), why);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("collectives", [&] {
    Context ctx = init(&argc, &argv);
    {
      lccl::Collectives coll(ctx.comm);
      runArgumentErrors(ctx, coll);
      runMatrix(ctx, coll);
      runLarge(ctx, coll);
      runRootedLarge(ctx, coll);
      runLL128(ctx, coll);
      runPipelined(ctx, coll);
      runPushPipe(ctx, coll);
      runGraph(ctx, coll);
      runGraphPreMul(ctx, coll);
      runP2P(ctx, coll);
    }
    return finish(ctx);
  });
}
