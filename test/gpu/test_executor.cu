// GPU test of the plan executor: every shipped plan for this rank count
// (executors/plans, or $LCCL_PLAN_DIR) plus in-place plans generated here,
// run with integer-valued data and compared bit for bit with a CPU reference
// of the collective. Per plan: float, bf16 and int32 (sum and max; avg for
// float) for reducing collectives, int32 and bf16 otherwise; three sizes (odd
// elements per chunk, unaligned chunks, several hundred KiB per chunk, in
// increasing order so the arena grows), each run twice with different data
// (per-call epochs), outputs poisoned first and guarded past their end; an
// in-place call of each out-of-place plan (except alltoall). Then a call on
// a non-blocking stream and one CUDA-graph capture per plan, replayed with
// changed input, and (out of place) replayed three times back to back.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <unistd.h>
#include <functional>

#include "gpu_test_common.hpp"
#include "lccl/errors.hpp"
#include "lccl/executors/check.hpp"
#include "lccl/executors/executor.hpp"
#include "lccl/executors/generate.hpp"
#include "lccl/executors/plan_json.hpp"

using lccl::DataType;
using lccl::ReduceOp;
using lccl::plan::Collective;
using lccl::plan::Plan;
using namespace gputest;

namespace {

constexpr size_t kGuard = 64;

// Plans of this rank count: shipped files, then generated in-place ones.
struct Library {
  std::deque<lccl::plan::PlanFile> files;
  std::deque<Plan> variants;  // copies with another reduce op
  std::vector<std::pair<const Plan*, lccl::plan::Variant>> plans;  // plan, its byte range
};

// $LCCL_PLAN_DIR, else executors/plans under the working directory, else
// beside the executable's build tree (build/bin/../../executors/plans).
std::string planDir() {
  const char* env = std::getenv("LCCL_PLAN_DIR");
  if (env && *env) return env;
  std::vector<std::string> candidates = {"executors/plans"};
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    candidates.push_back(dir + "/../../executors/plans");
    candidates.push_back(dir + "/../executors/plans");
  }
  for (const std::string& c : candidates)
    if (DIR* d = opendir(c.c_str())) {
      closedir(d);
      return c;
    }
  return candidates[0];
}

bool addText(Library& lib, const std::string& text, int nranks, const std::string& what) {
  lccl::plan::PlanFile f;
  lccl::plan::Diagnostics d;
  if (!lccl::plan::loadAndCheck(text, f, d)) {
    std::printf("FAIL load %s: %s\n", what.c_str(), d.format().c_str());
    return false;
  }
  if (f.variants.empty() || f.variants[0].plan.nranks != nranks ||
      !lccl::executorRuns(f.variants[0].plan.collective))
    return true;
  lib.files.push_back(std::move(f));
  for (const auto& v : lib.files.back().variants) lib.plans.push_back({&v.plan, v});
  return true;
}

bool loadShipped(Library& lib, int nranks, int& files) {
  const std::string dir = planDir();
  DIR* d = opendir(dir.c_str());
  if (!d) throw std::runtime_error("cannot open plan directory '" + dir +
                                   "' (run from the repository root or set LCCL_PLAN_DIR)");
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  bool ok = true;
  for (const std::string& n : names) {
    std::string text, err;
    if (!lccl::plan::readTextFile(dir + "/" + n, text, err)) throw std::runtime_error(err);
    ok = addText(lib, text, nranks, n) && ok;
    ++files;
  }
  return ok;
}

void generateInPlace(Library& lib, int nranks) {
  for (const auto& info : lccl::plan::algorithms()) {
    if (!info.inplace || std::string(info.name) == "allreduce-auto") continue;
    for (auto proto : {lccl::plan::Protocol::Simple, lccl::plan::Protocol::LL}) {
      lccl::plan::GenerateOptions o;
      o.algorithm = info.name;
      o.nranks = nranks;
      o.protocol = proto;
      o.inplace = true;
      addText(lib, lccl::plan::generatePlan(o), nranks, lccl::plan::generatedName(o));
    }
  }
}

// ---- data and reference ------------------------------------------------------

int valueOf(int rank, size_t i, int seed) {
  return static_cast<int>((i * 7 + static_cast<size_t>(rank) * 13 + static_cast<size_t>(seed) * 5) % 9) - 4;
}

void store(DataType t, double v, void* dst) {
  if (t == DataType::Float32) *static_cast<float*>(dst) = static_cast<float>(v);
  else if (t == DataType::BFloat16) *static_cast<__nv_bfloat16*>(dst) = __double2bfloat16(v);
  else *static_cast<int32_t*>(dst) = static_cast<int32_t>(v);
}

double reduced(ReduceOp op, DataType t, int n, size_t i, int seed) {
  double acc = valueOf(0, i, seed);
  for (int r = 1; r < n; ++r) {
    double v = valueOf(r, i, seed);
    acc = op == ReduceOp::Max ? std::max(acc, v) : acc + v;
  }
  if (op == ReduceOp::Avg) acc = t == DataType::Int32 ? std::trunc(acc / n) : acc / n;
  return acc;
}

struct Shape {
  size_t inElems, outElems, count;  // count: NCCL's count argument
};

Shape shapeOf(const Plan& p, size_t inElems, int n) {
  const size_t k = inElems / p.bufferChunks(lccl::plan::Buffer::Input);
  const size_t out = k * p.bufferChunks(lccl::plan::Buffer::Output);
  size_t count = inElems;
  if (p.collective == Collective::AllToAll) count = inElems / n;
  if (p.collective == Collective::ReduceScatter) count = out;
  return {inElems, out, count};
}

// Element i of rank r's input (as the collective defines the input).
double inputValue(const Plan& p, int r, size_t i, int seed) {
  if (p.collective == Collective::AllToAll) return valueOf(r, i * 3 + 1, seed);
  return valueOf(r, i, seed);
}

double expected(const Plan& p, const Shape& s, ReduceOp op, DataType t, int rank, int n, size_t i,
                int seed) {
  switch (p.collective) {
    case Collective::AllReduce: return reduced(op, t, n, i, seed);
    case Collective::ReduceScatter: return reduced(op, t, n, rank * s.outElems + i, seed);
    case Collective::AllGather: return inputValue(p, static_cast<int>(i / s.inElems), i % s.inElems, seed);
    case Collective::AllToAll: {
      const size_t block = s.inElems / n;
      return inputValue(p, static_cast<int>(i / block), rank * block + i % block, seed);
    }
    case Collective::Broadcast: return inputValue(p, p.root, i, seed);
    case Collective::Reduce: return reduced(op, t, n, i, seed);
  }
  return 0;
}

// ---- one run -------------------------------------------------------------------

struct Buffers {
  std::unique_ptr<DeviceBuffer> a, b;  // a: receive (or the only) buffer, b: send
  const void* send = nullptr;
  void* recv = nullptr;
  size_t inOffset = 0;  // where my input sits in `a` when in place
};

// Buffers for an in-place call when `inPlace` (the plan may be out of place).
Buffers allocate(const Plan& p, const Shape& s, size_t es, int rank, bool inPlace) {
  Buffers b;
  const size_t inBytes = s.inElems * es, outBytes = s.outElems * es;
  b.a = std::make_unique<DeviceBuffer>(std::max(inBytes, outBytes) + kGuard);
  if (!inPlace) {
    b.b = std::make_unique<DeviceBuffer>(inBytes + kGuard);
    b.send = b.b->get();
    b.recv = b.a->get();
  } else if (p.collective == Collective::ReduceScatter) {
    b.send = b.a->get();
    b.recv = b.a->as<char>() + rank * outBytes;
  } else {
    b.inOffset = p.collective == Collective::AllGather ? rank * inBytes : 0;
    b.send = b.a->as<char>() + b.inOffset;
    b.recv = b.a->get();
  }
  return b;
}

void upload(const Plan& p, const Shape& s, DataType t, int rank, int seed, Buffers& b) {
  const size_t es = lccl::dataTypeSize(t);
  std::vector<uint8_t> in(s.inElems * es);
  for (size_t i = 0; i < s.inElems; ++i) store(t, inputValue(p, rank, i, seed), &in[i * es]);
  b.a->fill(kPoison);
  if (b.b) b.b->upload(in.data(), in.size());
  else b.a->upload(in.data(), in.size(), static_cast<const char*>(b.send) - b.a->as<char>());
}

std::string verify(const Plan& p, const Shape& s, DataType t, ReduceOp op, int rank, int n,
                   int seed, const Buffers& b) {
  const size_t es = lccl::dataTypeSize(t);
  std::vector<uint8_t> got = b.a->download();
  const size_t outOff = static_cast<const char*>(b.recv) - b.a->as<char>();
  std::vector<uint8_t> want(es);
  for (size_t i = 0; i < s.outElems; ++i) {
    store(t, expected(p, s, op, t, rank, n, i, seed), want.data());
    if (std::memcmp(&got[outOff + i * es], want.data(), es) != 0) {
      double gotValue = 0;
      if (t == DataType::Float32) gotValue = *reinterpret_cast<float*>(&got[outOff + i * es]);
      else if (t == DataType::Int32) gotValue = *reinterpret_cast<int32_t*>(&got[outOff + i * es]);
      else gotValue = __bfloat162float(*reinterpret_cast<__nv_bfloat16*>(&got[outOff + i * es]));
      return "output element " + std::to_string(i) + " of " + std::to_string(s.outElems) +
             " (chunk " + std::to_string(i / (s.outElems / p.bufferChunks(lccl::plan::Buffer::Output))) +
             ") is " + std::to_string(gotValue) + ", expected " +
             std::to_string(expected(p, s, op, t, rank, n, i, seed));
    }
  }
  // Out of place, everything after the output is poison; in place, the guard.
  const size_t end = b.b ? outOff + s.outElems * es : got.size() - kGuard;
  for (size_t i = end; i < got.size(); ++i)
    if (got[i] != kPoison) return "wrote past the end of the output (byte " + std::to_string(i) + ")";
  return "";
}

std::string syncAndCheck(lccl::Executor& ex, cudaStream_t stream = nullptr) {
  if (!syncWithin(60, stream)) {
    ex.checkDeviceErrors();
    return "timed out waiting for the plan";
  }
  ex.checkDeviceErrors();
  return "";
}

// Runs the plan twice with different data; "" or the first problem.
std::string runTwice(Context& ctx, lccl::Executor& ex, const Plan& p, size_t inElems, DataType t,
                     ReduceOp op, bool inPlace) {
  const Shape s = shapeOf(p, inElems, ctx.size);
  Buffers b = allocate(p, s, lccl::dataTypeSize(t), ctx.rank, inPlace);
  for (int seed = 1; seed <= 2; ++seed) {
    upload(p, s, t, ctx.rank, seed, b);
    ex.run(p, b.send, b.recv, s.count, t, op, nullptr);
    std::string why = syncAndCheck(ex);
    if (why.empty()) why = verify(p, s, t, op, ctx.rank, ctx.size, seed, b);
    if (!why.empty())
      return "call " + std::to_string(seed) + ", " + std::to_string(inElems) + " input elements: " + why;
  }
  return "";
}

// One call on a non-blocking stream, then that call captured in a graph and
// replayed with new data (synchronised after each replay), then replayed
// back to back.
std::string runGraph(Context& ctx, lccl::Executor& ex, const Plan& p, size_t inElems, DataType t,
                     ReduceOp op) {
  const Shape s = shapeOf(p, inElems, ctx.size);
  Buffers b = allocate(p, s, lccl::dataTypeSize(t), ctx.rank, p.inplace);
  cudaStream_t st;
  GT_CUDA(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  upload(p, s, t, ctx.rank, 3, b);
  ex.run(p, b.send, b.recv, s.count, t, op, st);
  std::string why = syncAndCheck(ex, st);
  if (why.empty()) why = verify(p, s, t, op, ctx.rank, ctx.size, 3, b);
  if (!why.empty()) why = "call on a non-blocking stream before capture: " + why;
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  GT_CUDA(cudaStreamBeginCapture(st, cudaStreamCaptureModeGlobal));
  ex.run(p, b.send, b.recv, s.count, t, op, st);
  GT_CUDA(cudaStreamEndCapture(st, &graph));
  GT_CUDA(cudaGraphInstantiate(&exec, graph, 0));
  for (int seed = 4; seed <= 6 && why.empty(); ++seed) {
    upload(p, s, t, ctx.rank, seed, b);
    GT_CUDA(cudaGraphLaunch(exec, st));
    why = syncAndCheck(ex, st);
    if (why.empty()) why = verify(p, s, t, op, ctx.rank, ctx.size, seed, b);
    if (!why.empty()) why = "replay with seed " + std::to_string(seed) + ": " + why;
  }
  // Replays back to back with no host synchronisation between them, so a
  // rank may start the next replay while a peer is still in the previous
  // one. Out of place only: the input stays the same, so must the output.
  if (why.empty() && !p.inplace) {
    upload(p, s, t, ctx.rank, 7, b);
    for (int i = 0; i < 3; ++i) GT_CUDA(cudaGraphLaunch(exec, st));
    why = syncAndCheck(ex, st);
    if (why.empty()) why = verify(p, s, t, op, ctx.rank, ctx.size, 7, b);
    if (!why.empty()) why = "three replays back to back with seed 7: " + why;
  }
  GT_CUDA(cudaGraphExecDestroy(exec));
  GT_CUDA(cudaGraphDestroy(graph));
  GT_CUDA(cudaStreamDestroy(st));
  return why;
}

// Input element counts for the plan: k chunks of e elements, e odd where
// possible, inside the variant's byte range.
std::vector<size_t> sizesFor(const Plan& p, const lccl::plan::Variant& v, size_t es) {
  const size_t k = p.bufferChunks(lccl::plan::Buffer::Input);
  std::vector<size_t> out;
  for (size_t e : {size_t{7}, size_t{4099}, size_t{(1u << 18) + 5}}) {
    const uint64_t bytes = k * e * es;
    if (bytes >= v.minBytes && bytes < v.maxBytes) out.push_back(k * e);
  }
  if (out.empty()) {  // a narrow variant: its smallest whole-chunk size
    const uint64_t e = std::max<uint64_t>((v.minBytes + k * es - 1) / (k * es), 1);
    if (k * e * es < v.maxBytes) out.push_back(k * e);
  }
  return out;
}

// The plan with another reduce op (same structure), kept alive in the library.
const Plan& withOp(Library& lib, const Plan& p, ReduceOp op) {
  if (!lccl::plan::collectiveReduces(p.collective) || lccl::planReduceKind(op) == p.reduce) return p;
  lib.variants.push_back(p);
  Plan& q = lib.variants.back();
  q.reduce = *lccl::planReduceKind(op);
  q.name += std::string("-") + lccl::reduceOpName(op);
  return q;
}

std::string label(const Plan& p, DataType t, ReduceOp op) {
  std::string n = "executor " + p.name + " " + lccl::dataTypeName(t);
  if (lccl::plan::collectiveReduces(p.collective)) n += std::string(" ") + lccl::reduceOpName(op);
  return n;
}

void testPlan(Context& ctx, lccl::Executor& ex, Library& lib, const Plan& base,
              const lccl::plan::Variant& v) {
  const bool reduces = lccl::plan::collectiveReduces(base.collective);
  std::vector<std::pair<DataType, ReduceOp>> cases;
  if (reduces)
    cases = {{DataType::Float32, ReduceOp::Sum}, {DataType::Float32, ReduceOp::Max},
             {DataType::Float32, ReduceOp::Avg}, {DataType::BFloat16, ReduceOp::Sum},
             {DataType::BFloat16, ReduceOp::Max}, {DataType::Int32, ReduceOp::Sum},
             {DataType::Int32, ReduceOp::Max}};
  else
    cases = {{DataType::Int32, ReduceOp::Sum}, {DataType::BFloat16, ReduceOp::Sum}};
  for (auto [t, op] : cases) {
    const Plan& p = withOp(lib, base, op);
    std::string why;
    const auto sizes = sizesFor(p, v, lccl::dataTypeSize(t));
    for (size_t n : sizes)
      if (why.empty()) why = runTwice(ctx, ex, p, n, t, op, p.inplace);
    // An in-place call of an out-of-place plan (it reads a copy of the input).
    const bool inPlaceToo = !p.inplace && p.collective != Collective::AllToAll && !sizes.empty();
    if (why.empty() && inPlaceToo) {
      why = runTwice(ctx, ex, p, sizes.back(), t, op, true);
      if (!why.empty()) why = "in-place call: " + why;
    }
    if (why.empty() && !sizes.empty() && t != DataType::BFloat16)
      why = runGraph(ctx, ex, p, sizes[std::min<size_t>(1, sizes.size() - 1)], t, op);
    report(ctx, label(p, t, op) + " (" + std::to_string(sizes.size()) + " sizes, twice" +
                    (inPlaceToo ? ", in-place call" : "") + ", graph)",
           why.empty(), why);
  }
}

void testMismatch(Context& ctx, lccl::Executor& ex, const Library& lib) {
  for (const auto& [p, v] : lib.plans) {
    if (p->collective != Collective::AllReduce || !p->inplace) continue;
    DeviceBuffer buf(4096);
    bool threw = false;
    try {  // an in-place plan for an out-of-place call
      ex.run(*p, buf.get(), buf.as<char>() + 2048, p->bufferChunks(lccl::plan::Buffer::Input),
             DataType::Float32, ReduceOp::Sum, nullptr);
    } catch (const lccl::InvalidArgumentError&) {
      threw = true;
    }
    report(ctx, "executor refuses a call the plan does not fit (" + p->name + ")", threw,
           "no InvalidArgumentError");
    return;
  }
}

// The first call of a plan allocates: refused (with a clear error) inside a
// graph capture, leaving the capture usable.
void testCaptureBeforeWarmUp(Context& ctx, lccl::Executor& ex, const Library& lib) {
  if (lib.plans.empty()) return;
  const Plan& p = *lib.plans.back().first;
  const Shape s = shapeOf(p, p.bufferChunks(lccl::plan::Buffer::Input) * 4, ctx.size);
  Buffers b = allocate(p, s, sizeof(int32_t), ctx.rank, p.inplace);
  cudaStream_t st;
  GT_CUDA(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  GT_CUDA(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal));
  std::string why = "no InvalidUsageError";
  try {
    ex.run(p, b.send, b.recv, s.count, DataType::Int32, ReduceOp::Sum, st);
  } catch (const lccl::InvalidUsageError&) {
    why.clear();
  }
  cudaGraph_t graph = nullptr;
  GT_CUDA(cudaStreamEndCapture(st, &graph));
  if (graph) GT_CUDA(cudaGraphDestroy(graph));
  GT_CUDA(cudaStreamDestroy(st));
  report(ctx, "executor refuses the first call of a plan inside a graph capture (" + p.name + ")",
         why.empty(), why);
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("executor", [&] {
    Context ctx = init(&argc, &argv);
    {
      Library lib;
      int files = 0;
      bool loaded = loadShipped(lib, ctx.size, files);
      const size_t shipped = lib.plans.size();
      generateInPlace(lib, ctx.size);
      report(ctx, "executor loads " + std::to_string(shipped) + " shipped plans for " +
                      std::to_string(ctx.size) + " ranks (of " + std::to_string(files) +
                      " files) and " + std::to_string(lib.plans.size() - shipped) + " in-place plans",
             loaded && shipped > 0, "no plan for this rank count, or a plan failed to load");
      lccl::Executor ex(ctx.comm);
      testMismatch(ctx, ex, lib);
      testCaptureBeforeWarmUp(ctx, ex, lib);
      for (const auto& [p, v] : lib.plans) testPlan(ctx, ex, lib, *p, v);
    }
    return finish(ctx);
  });
}
