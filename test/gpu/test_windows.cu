// GPU test of registered windows (Collectives::registerWindow) and the
// zero-copy AllReduce: float / bfloat16 / int32 x sum / max / avg / prod at
// counts around the zero-copy threshold (2 ranks), odd counts, 1M+3 and more than
// 40 MiB; in place and out of place, at an offset inside the windows, several
// calls in a row with changing data, CUDA graph capture and replay, and the
// kernel's symmetry check. Integer-valued inputs, outputs poisoned first,
// compared bit for bit with a CPU reference.
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

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

void runMatrix(Context& ctx, Windows& w, cudaStream_t s) {
  const size_t zc = 512u << 10;  // on 2 ranks: LL one-shot up to here, zero-copy above
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

// Rank 1 calls at another offset: the kernel must refuse (device error naming
// the mismatch, InvalidUsageError on the host) instead of computing. Run
// last: it aborts the communicator's device work.
void runMismatch(Context& ctx, Windows& w, cudaStream_t s) {
  if (ctx.size > 4) {  // zero-copy runs on 2 and 4 ranks so far (detail::zeroCopyServes)
    if (ctx.rank == 0) std::printf("SKIP window allreduce asymmetric offsets: zero-copy is off on %d ranks\n", ctx.size);
    return;
  }
  const size_t count = 1u << 20;
  const size_t shift = ctx.rank == 1 ? 256 : 0;
  w.coll.allReduce(w.sendAt() + shift, w.recvAt(), count, DataType::Float32, ReduceOp::Sum, s);
  std::string why = syncWithin(60, s) ? "no error reported" : "call did not finish";
  try {
    ctx.comm->checkDeviceErrors();
  } catch (const lccl::InvalidUsageError& e) {
    why = std::strstr(e.what(), "window") ? "" : std::string("unexpected message: ") + e.what();
  }
  ctx.comm->clearDeviceErrors();
  report(ctx, "window allreduce asymmetric offsets rejected", why.empty(), why);
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
        runMismatch(ctx, w, s);
      }
      GT_CUDA(cudaStreamDestroy(s));
    }
    return finish(ctx);
  });
}
