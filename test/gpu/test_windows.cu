// GPU test of registered windows (Collectives::registerWindow) and the
// zero-copy collectives.
// AllReduce: float / bfloat16 / int32 x sum / max / avg / prod at counts
// around the zero-copy threshold (the end of LL128), odd counts, 1M+3 and more than
// 40 MiB; in place and out of place, at an offset inside the windows, several
// calls in a row with changing data, CUDA graph capture and replay, and the
// kernel's symmetry check. Integer-valued inputs, outputs poisoned first,
// compared bit for bit with a CPU reference.
// ReduceScatter (the same types and ops), AllGather and AllToAll (random
// bytes): counts on both sides of the LL / LL128 / zero-copy boundaries, odd byte
// counts, in place and out of place, graph replay with new data, and each
// one's symmetry check. Broadcast (first and last root) on windows runs its
// staged paths; checked the same way.
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "../../collectives/src/algorithm.hpp"  // the LL / LL128 limits by rank count
#include "gpu_test_common.hpp"
#include "lccl/collectives.hpp"
#include "lccl/errors.hpp"
#include "lccl/memory.hpp"

using lccl::DataType;
using lccl::ReduceOp;
using namespace gputest;

namespace {

constexpr size_t kWindowBytes = 48u << 20;
constexpr size_t kOffset = 4096 + 16;  // buffers start inside the windows

// Element i of rank r's input in call `seq`: small integers (exact in any order).
double inputValue(ReduceOp op, int r, size_t i, int seq) {
  uint64_t h = (i * 2654435761u) ^ (static_cast<uint64_t>(r + 1 + 31 * seq) * 40503u);
  h ^= h >> 13;
  if (op == ReduceOp::Prod) return 1 + (h % 2);
  const int v = static_cast<int>(h % 9) - 4;
  return v == 0 ? 1 : v;
}

double reference(DataType t, ReduceOp op, int n, size_t i, int seq) {
  double acc = inputValue(op, 0, i, seq);
  for (int r = 1; r < n; ++r) {
    const double v = inputValue(op, r, i, seq);
    acc = op == ReduceOp::Prod ? acc * v : op == ReduceOp::Max ? std::max(acc, v) : acc + v;
  }
  if (op == ReduceOp::Avg) acc = t == DataType::Int32 ? std::trunc(acc / n) : acc / n;
  return acc;
}

void storeAs(DataType t, double v, uint8_t* dst) {
  if (t == DataType::Float32) { const float f = static_cast<float>(v); std::memcpy(dst, &f, 4); }
  if (t == DataType::Int32) { const int32_t x = static_cast<int32_t>(v); std::memcpy(dst, &x, 4); }
  if (t == DataType::Int8) { const int8_t x = static_cast<int8_t>(v); std::memcpy(dst, &x, 1); }
  if (t == DataType::BFloat16) {
    const __nv_bfloat16 b = __double2bfloat16(v);
    std::memcpy(dst, &b, 2);
  }
}

std::vector<uint8_t> inputBytes(DataType t, ReduceOp op, int rank, size_t count, int seq) {
  const size_t es = lccl::dataTypeSize(t);
  std::vector<uint8_t> v(count * es);
  for (size_t i = 0; i < count; ++i) storeAs(t, inputValue(op, rank, i, seq), v.data() + i * es);
  return v;
}

std::vector<uint8_t> expectedBytes(DataType t, ReduceOp op, int n, size_t count, int seq) {
  const size_t es = lccl::dataTypeSize(t);
  std::vector<uint8_t> v(count * es);
  for (size_t i = 0; i < count; ++i) storeAs(t, reference(t, op, n, i, seq), v.data() + i * es);
  return v;
}

// Two windows per rank: send from cudaMalloc, recv from gpuAllocShareable
// (what ncclMemAlloc returns), registered in the same order on every rank.
struct Windows {
  lccl::Collectives& coll;
  DeviceBuffer send{kWindowBytes};
  char* recv = static_cast<char*>(lccl::gpuAllocShareable(kWindowBytes));
  lccl::Collectives::WindowHandle hs = 0, hr = 0;
  explicit Windows(lccl::Collectives& c) : coll(c) {
    hs = coll.registerWindow(send.get(), kWindowBytes);
    hr = coll.registerWindow(recv, kWindowBytes);
  }
  ~Windows() {
    cudaDeviceSynchronize();
    coll.deregisterWindow(hs);
    coll.deregisterWindow(hr);
    lccl::gpuFreeShareable(recv);
  }
  char* sendAt() const { return send.as<char>() + kOffset; }
  char* recvAt() const { return recv + kOffset; }
};

struct Case {
  DataType type;
  ReduceOp op;
  size_t count;
  bool inPlace;
};

std::string caseName(const Case& c) {
  return std::string("window allreduce ") + lccl::dataTypeName(c.type) + " " +
         lccl::reduceOpName(c.op) + " count=" + std::to_string(c.count) +
         (c.inPlace ? " in-place" : " out-of-place");
}

// One call (sequence number seq): upload, poison, run, compare.
std::string runOnce(Context& ctx, Windows& w, const Case& c, int seq, cudaStream_t s) {
  const size_t bytes = c.count * lccl::dataTypeSize(c.type);
  const auto in = inputBytes(c.type, c.op, ctx.rank, c.count, seq);
  char* dst = c.inPlace ? w.sendAt() : w.recvAt();
  GT_CUDA(cudaMemset(w.recv, kPoison, kWindowBytes));
  GT_CUDA(cudaMemcpy(w.sendAt(), in.data(), bytes, cudaMemcpyHostToDevice));
  GT_CUDA(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);  // no rank's upload overlaps another's call (not needed, but strict)
  w.coll.allReduce(w.sendAt(), dst, c.count, c.type, c.op, s);
  if (!syncWithin(60, s)) return "call did not finish";
  ctx.comm->checkDeviceErrors();
  std::vector<uint8_t> got(bytes + 64);
  GT_CUDA(cudaMemcpy(got.data(), dst, got.size(), cudaMemcpyDeviceToHost));
  const auto want = expectedBytes(c.type, c.op, ctx.size, c.count, seq);
  std::string why = firstMismatch(got.data(), want.data(), bytes, "call " + std::to_string(seq));
  if (why.empty() && !c.inPlace)
    for (size_t i = bytes; i < got.size() && why.empty(); ++i)
      if (got[i] != kPoison) why = "byte " + std::to_string(i) + " past the end was written";
  return why;
}

// Bytes up to which AllReduce takes an LL path by default (zero-copy above).
size_t zeroCopyFrom(int nranks) {
  return lccl::detail::kSelect[nranks <= 2 ? 0 : 1].twoShotLL128;
}

void runMatrix(Context& ctx, Windows& w, cudaStream_t s) {
  const size_t zc = zeroCopyFrom(ctx.size);  // LL128 two-shot up to here, zero-copy above
  for (DataType t : {DataType::Float32, DataType::BFloat16, DataType::Int32}) {
    const size_t es = lccl::dataTypeSize(t);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Avg, ReduceOp::Prod})
      for (size_t count : {zc / es - 1, zc / es, zc / es + 1, size_t{100003}, (size_t{1} << 20) + 3})
        for (bool inPlace : {false, true}) {
          const Case c{t, op, count, inPlace};
          std::string why;
          for (int seq = 0; seq < 2 && why.empty(); ++seq) why = runOnce(ctx, w, c, seq, s);
          report(ctx, caseName(c), why.empty(), why);
        }
  }
}

// More than 40 MiB, and several calls in a row without host work between
// them (each call's data is ready before the next is enqueued: the stream orders them).
void runLarge(Context& ctx, Windows& w, cudaStream_t s) {
  for (DataType t : {DataType::Float32, DataType::BFloat16})
    for (bool inPlace : {false, true}) {
      const size_t count = ((41u << 20) + 6) / lccl::dataTypeSize(t) + 1;
      const Case c{t, ReduceOp::Sum, count, inPlace};
      std::string why;
      for (int seq = 0; seq < 3 && why.empty(); ++seq) why = runOnce(ctx, w, c, seq, s);
      report(ctx, caseName(c), why.empty(), why);
    }
}

// Back to back on the stream: out of place from send into recv, then in
// place on recv (the first call's result), then out of place again.
void runChained(Context& ctx, Windows& w, cudaStream_t s) {
  const size_t count = (3u << 20) + 5;
  const auto in = inputBytes(DataType::Int32, ReduceOp::Sum, ctx.rank, count, 7);
  GT_CUDA(cudaMemcpy(w.sendAt(), in.data(), count * 4, cudaMemcpyHostToDevice));
  GT_CUDA(cudaDeviceSynchronize());
  for (int k = 0; k < 2; ++k) {
    w.coll.allReduce(w.sendAt(), w.recvAt(), count, DataType::Int32, ReduceOp::Sum, s);
    w.coll.allReduce(w.recvAt(), w.recvAt(), count, DataType::Int32, ReduceOp::Sum, s);
  }
  std::string why = syncWithin(60, s) ? "" : "calls did not finish";
  std::vector<int32_t> got(count);
  GT_CUDA(cudaMemcpy(got.data(), w.recvAt(), count * 4, cudaMemcpyDeviceToHost));
  for (size_t i = 0; i < count && why.empty(); ++i) {
    const int64_t want = static_cast<int64_t>(reference(DataType::Int32, ReduceOp::Sum, ctx.size, i, 7)) * ctx.size;
    if (got[i] != want) why = "element " + std::to_string(i) + " is " + std::to_string(got[i]);
  }
  report(ctx, "window allreduce int32 chained out-of-place/in-place", why.empty(), why);
}

void runGraph(Context& ctx, Windows& w, cudaStream_t s) {
  for (bool inPlace : {false, true}) {
    const Case c{DataType::BFloat16, ReduceOp::Sum, (5u << 20) + 1, inPlace};
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    GT_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    w.coll.allReduce(w.sendAt(), inPlace ? w.sendAt() : w.recvAt(), c.count, c.type, c.op, s);
    GT_CUDA(cudaStreamEndCapture(s, &graph));
    GT_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    std::string why;
    const size_t bytes = c.count * 2;
    for (int seq = 0; seq < 3 && why.empty(); ++seq) {
      const auto in = inputBytes(c.type, c.op, ctx.rank, c.count, seq);
      GT_CUDA(cudaMemset(w.recv, kPoison, kWindowBytes));
      GT_CUDA(cudaMemcpy(w.sendAt(), in.data(), bytes, cudaMemcpyHostToDevice));
      GT_CUDA(cudaDeviceSynchronize());
      GT_CUDA(cudaGraphLaunch(exec, s));
      if (!syncWithin(60, s)) { why = "replay did not finish"; break; }
      std::vector<uint8_t> got(bytes);
      GT_CUDA(cudaMemcpy(got.data(), inPlace ? w.sendAt() : w.recvAt(), bytes, cudaMemcpyDeviceToHost));
      const auto want = expectedBytes(c.type, c.op, ctx.size, c.count, seq);
      why = firstMismatch(got.data(), want.data(), bytes, "replay " + std::to_string(seq));
    }
    GT_CUDA(cudaGraphExecDestroy(exec));
    GT_CUDA(cudaGraphDestroy(graph));
    report(ctx, "window allreduce graph replay " + caseName(c), why.empty(), why);
  }
}

// After a call that one rank made at another offset: "" when the device
// refused it with an error naming the windows (InvalidUsageError on the
// host), else what happened. Clears the device error either way.
std::string windowRefusal(Context& ctx, cudaStream_t s) {
  std::string why = syncWithin(60, s) ? "no error reported" : "call did not finish";
  try {
    ctx.comm->checkDeviceErrors();
  } catch (const lccl::InvalidUsageError& e) {
    why = std::strstr(e.what(), "window") ? "" : std::string("unexpected message: ") + e.what();
  }
  ctx.comm->clearDeviceErrors();
  return why;
}

// Rank 1 calls at another offset: the kernel must refuse (device error naming
// the mismatch, InvalidUsageError on the host) instead of computing. Run
// last: it aborts the communicator's device work.
void runMismatch(Context& ctx, Windows& w, cudaStream_t s) {
  if (ctx.size > 4) {  // zero-copy runs on 2 and 4 ranks so far (detail::zeroCopyServes)
    if (ctx.rank == 0) std::printf("SKIP window allreduce asymmetric offsets: zero-copy is off on %d ranks\n", ctx.size);
    return;
  }
  const size_t count = zeroCopyFrom(ctx.size) / sizeof(float) + 1024;  // zero-copy
  const size_t shift = ctx.rank == 1 ? 256 : 0;
  w.coll.allReduce(w.sendAt() + shift, w.recvAt(), count, DataType::Float32, ReduceOp::Sum, s);
  const std::string why = windowRefusal(ctx, s);
  report(ctx, "window allreduce asymmetric offsets rejected", why.empty(), why);
}

// ---- ReduceScatter, AllGather, AllToAll, Broadcast on windows ----

enum class Coll { ReduceScatter, AllGather, AllToAll, Broadcast };

const char* collName(Coll c) {
  switch (c) {
    case Coll::ReduceScatter: return "reducescatter";
    case Coll::AllGather: return "allgather";
    case Coll::AllToAll: return "alltoall";
    case Coll::Broadcast: return "broadcast";
  }
  return "?";
}

struct CollCase {
  Coll coll;
  DataType type;
  ReduceOp op;  // ReduceScatter only
  size_t count; // per piece (the API's count)
  bool inPlace;
  int root;     // Broadcast only
};

std::string caseName(const CollCase& c) {
  std::string n = std::string("window ") + collName(c.coll) + " " + lccl::dataTypeName(c.type);
  if (c.coll == Coll::ReduceScatter) n += std::string(" ") + lccl::reduceOpName(c.op);
  if (c.coll == Coll::Broadcast) n += " root=" + std::to_string(c.root);
  return n + " count=" + std::to_string(c.count) + (c.inPlace ? " in-place" : " out-of-place");
}

// Where a case's input and output lie in the windows, in bytes.
struct Layout {
  char* send;
  char* recv;
  size_t sendBytes, recvBytes;
};

Layout layoutOf(const CollCase& c, Windows& w, int rank, int n) {
  const size_t piece = c.count * lccl::dataTypeSize(c.type), all = piece * n;
  switch (c.coll) {
    case Coll::ReduceScatter:
      return {w.sendAt(), c.inPlace ? w.sendAt() + rank * piece : w.recvAt(), all, piece};
    case Coll::AllGather:
      return {c.inPlace ? w.recvAt() + rank * piece : w.sendAt(), w.recvAt(), piece, all};
    case Coll::AllToAll: return {w.sendAt(), w.recvAt(), all, all};
    case Coll::Broadcast: return {w.sendAt(), c.inPlace ? w.sendAt() : w.recvAt(), piece, piece};
  }
  return {};
}

// Rank r's input in call seq: integer values for ReduceScatter, random bytes otherwise.
std::vector<uint8_t> collInput(const CollCase& c, int r, size_t bytes, int seq) {
  if (c.coll != Coll::ReduceScatter) return pattern(static_cast<uint64_t>(r) * 1000 + seq, bytes);
  return inputBytes(c.type, c.op, r, bytes / lccl::dataTypeSize(c.type), seq);
}

std::vector<uint8_t> collExpected(const CollCase& c, int rank, int n, int seq) {
  const size_t es = lccl::dataTypeSize(c.type), piece = c.count * es;
  std::vector<uint8_t> want;
  if (c.coll == Coll::ReduceScatter) {
    want.resize(piece);
    for (size_t i = 0; i < c.count; ++i)
      storeAs(c.type, reference(c.type, c.op, n, rank * c.count + i, seq), want.data() + i * es);
  } else if (c.coll == Coll::Broadcast) {
    want = collInput(c, c.root, piece, seq);
  } else {
    for (int q = 0; q < n; ++q) {
      const auto in = collInput(c, q, piece * (c.coll == Coll::AllToAll ? n : 1), seq);
      const size_t at = c.coll == Coll::AllToAll ? rank * piece : 0;
      want.insert(want.end(), in.begin() + at, in.begin() + at + piece);
    }
  }
  return want;
}

void enqueueColl(lccl::Collectives& coll, const CollCase& c, const Layout& l, cudaStream_t s) {
  switch (c.coll) {
    case Coll::ReduceScatter: return coll.reduceScatter(l.send, l.recv, c.count, c.type, c.op, s);
    case Coll::AllGather: return coll.allGather(l.send, l.recv, c.count, c.type, s);
    case Coll::AllToAll: return coll.allToAll(l.send, l.recv, c.count, c.type, s);
    case Coll::Broadcast: return coll.broadcast(l.send, l.recv, c.count, c.type, c.root, s);
  }
}

// Poison the receive window, upload this rank's input (for an in-place
// AllGather, into its piece of the poisoned output).
void prepareColl(Context& ctx, Windows& w, const CollCase& c, const Layout& l, int seq) {
  GT_CUDA(cudaMemset(w.recv, kPoison, kWindowBytes));
  const auto in = collInput(c, ctx.rank, l.sendBytes, seq);
  GT_CUDA(cudaMemcpy(l.send, in.data(), in.size(), cudaMemcpyHostToDevice));
  GT_CUDA(cudaDeviceSynchronize());
  MPI_Barrier(MPI_COMM_WORLD);
}

std::string checkColl(Context& ctx, const CollCase& c, const Layout& l, int seq) {
  std::vector<uint8_t> got(l.recvBytes);
  GT_CUDA(cudaMemcpy(got.data(), l.recv, got.size(), cudaMemcpyDeviceToHost));
  const auto want = collExpected(c, ctx.rank, ctx.size, seq);
  std::string why = firstMismatch(got.data(), want.data(), l.recvBytes, "call " + std::to_string(seq));
  if (why.empty() && !c.inPlace && l.recv + l.recvBytes + 64 <= l.recv + kWindowBytes - kOffset) {
    uint8_t past[64];
    GT_CUDA(cudaMemcpy(past, l.recv + l.recvBytes, sizeof past, cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < sizeof past && why.empty(); ++i)
      if (past[i] != kPoison) why = "byte " + std::to_string(i) + " past the end was written";
  }
  return why;
}

std::string runCollOnce(Context& ctx, Windows& w, const CollCase& c, int seq, cudaStream_t s) {
  const Layout l = layoutOf(c, w, ctx.rank, ctx.size);
  prepareColl(ctx, w, c, l, seq);
  enqueueColl(w.coll, c, l, s);
  if (!syncWithin(60, s)) return "call did not finish";
  ctx.comm->checkDeviceErrors();
  return checkColl(ctx, c, l, seq);
}

// Per-piece counts: LL-sized, both sides of the LL / zero-copy boundary
// (the total for AllGather / ReduceScatter / AllToAll, the piece for
// Broadcast), odd byte counts, and a large one.
std::vector<size_t> collCounts(DataType t, int n) {
  const size_t es = lccl::dataTypeSize(t);
  const size_t total = lccl::detail::defaultLLTotalBytes(n) / n / es;  // LCCL_LL_MAX_BYTES=0
  const size_t total128 = lccl::detail::defaultLL128TotalBytes(n) / n / es;  // LCCL_LL128_MAX_BYTES=0
  const size_t rooted = lccl::detail::llCapacity(n) / es;
  return {7, total, total + 1, rooted + 1, (size_t{1} << 20) + 3, total128, total128 + 1,
          ((9u << 20) + 5) / es};
}

void runCollMatrix(Context& ctx, Windows& w, cudaStream_t s) {
  auto run = [&](const CollCase& c) {
    std::string why;
    for (int seq = 0; seq < 2 && why.empty(); ++seq) why = runCollOnce(ctx, w, c, seq, s);
    report(ctx, caseName(c), why.empty(), why);
  };
  for (DataType t : {DataType::Float32, DataType::BFloat16, DataType::Int32})
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Avg, ReduceOp::Prod})
      for (size_t count : collCounts(t, ctx.size))
        for (bool inPlace : {false, true})
          if (count != 7 || op == ReduceOp::Sum) run({Coll::ReduceScatter, t, op, count, inPlace, 0});
  for (DataType t : {DataType::Int32, DataType::BFloat16, DataType::Int8})
    for (size_t count : collCounts(t, ctx.size)) {
      for (bool inPlace : {false, true}) {
        run({Coll::AllGather, t, ReduceOp::Sum, count, inPlace, 0});
        for (int root : {0, ctx.size - 1}) run({Coll::Broadcast, t, ReduceOp::Sum, count, inPlace, root});
      }
      run({Coll::AllToAll, t, ReduceOp::Sum, count, false, 0});
    }
}

// Each collective captured once and replayed with new data.
void runCollGraphs(Context& ctx, Windows& w, cudaStream_t s) {
  const size_t count = lccl::detail::defaultLL128TotalBytes(ctx.size) / ctx.size / 2 + 1;  // bf16: zero-copy
  for (Coll k : {Coll::ReduceScatter, Coll::AllGather, Coll::AllToAll, Coll::Broadcast}) {
    const CollCase c{k, DataType::BFloat16, ReduceOp::Sum, count, false, ctx.size - 1};
    const Layout l = layoutOf(c, w, ctx.rank, ctx.size);
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    GT_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    enqueueColl(w.coll, c, l, s);
    GT_CUDA(cudaStreamEndCapture(s, &graph));
    GT_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    std::string why;
    for (int seq = 0; seq < 3 && why.empty(); ++seq) {
      prepareColl(ctx, w, c, l, seq);
      GT_CUDA(cudaGraphLaunch(exec, s));
      why = syncWithin(60, s) ? checkColl(ctx, c, l, seq) : "replay did not finish";
    }
    GT_CUDA(cudaGraphExecDestroy(exec));
    GT_CUDA(cudaGraphDestroy(graph));
    report(ctx, "window graph replay " + caseName(c), why.empty(), why);
  }
}

// Rank 1 calls at another offset: the zero-copy kernel must refuse (a staged
// path would compute the right result, so this also shows that zero-copy
// ran). Each check on a fresh Collectives: a refused call leaves the ranks'
// call counters apart.
void runCollMismatch(Context& ctx, cudaStream_t s) {
  if (ctx.size > 4) return;
  for (Coll k : {Coll::ReduceScatter, Coll::AllGather, Coll::AllToAll}) {
    lccl::Collectives coll(ctx.comm);
    Windows w(coll);
    const size_t count = lccl::detail::defaultLL128TotalBytes(ctx.size) / ctx.size / 4 + 1024;  // zero-copy
    const CollCase c{k, DataType::Float32, ReduceOp::Sum, count, false, 0};
    Layout l = layoutOf(c, w, ctx.rank, ctx.size);
    if (ctx.rank == 1) (k == Coll::ReduceScatter ? l.send : l.recv) += 256;  // what peers reach
    enqueueColl(coll, c, l, s);
    const std::string why = windowRefusal(ctx, s);
    MPI_Barrier(MPI_COMM_WORLD);
    report(ctx, std::string("window ") + collName(k) + " asymmetric offsets rejected", why.empty(), why);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("windows", [&] {
    Context ctx = init(&argc, &argv);
    {
      lccl::Collectives coll(ctx.comm);
      cudaStream_t s;
      GT_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
      {
        Windows w(coll);
        runMatrix(ctx, w, s);
        runLarge(ctx, w, s);
        runChained(ctx, w, s);
        runGraph(ctx, w, s);
        runCollMatrix(ctx, w, s);
        runCollGraphs(ctx, w, s);
        runMismatch(ctx, w, s);
      }
      runCollMismatch(ctx, s);
      GT_CUDA(cudaStreamDestroy(s));
    }
    return finish(ctx);
  });
}
