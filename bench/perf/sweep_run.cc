// sweep_run.cc — the nccl-tests table: every size, lccl then NCCL, out of place then in place.
#include <algorithm>
#include <map>
#include <cstdio>

#include "lccl_perf/check.hpp"
#include "context.hpp"
#include "lccl_perf/report.hpp"
#include "runner.hpp"
#include "lccl_perf/stats.hpp"
#include "lccl_perf/sweep.hpp"

namespace lccl::perf {
namespace {

struct Series {
  DType type;
  ROp op;  // None for collectives that do not reduce
};

std::vector<Series> seriesOf(const PerfOptions& o) {
  std::vector<Series> out;
  for (DType t : o.types) {
    if (!hasReduceOp(o.collective)) {
      out.push_back({t, ROp::None});
      continue;
    }
    for (ROp op : o.ops) out.push_back({t, op});
  }
  return out;
}

// Largest send/receive footprint of the sweep, in bytes (both buffers get it).
size_t bufferBytes(const PerfOptions& o, int nranks) {
  size_t most = 0;
  for (DType t : o.types) {
    const CollCounts k = collCounts(o.collective, o.maxBytes, t, nranks);
    most = std::max(most, std::max(k.sendCount, k.recvCount) * typeSize(t));
  }
  return std::max<size_t>(most, 256);
}

class Sweep {
 public:
  explicit Sweep(PerfContext& ctx)
      : ctx_(ctx), timer_(ctx.comm, ctx.stream),
        send_(bufferBytes(ctx.opts, ctx.nranks), ctx.opts.window != 0),
        recv_(send_.bytes(), ctx.opts.window != 0) {
    for (const LibSlot& l : ctx.libs) summaries_.push_back(LibSummary{l.name});
    if (ctx.opts.window) registerWindows();
  }
  ~Sweep() {  // before the buffers go
    if (!ctx_.opts.window) return;
    for (LibSlot& l : ctx_.libs) try {
        if (l.backend) l.backend->deregisterWindows();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "lccl-perf: %s: window deregistration: %s\n", l.name.c_str(), e.what());
      }
  }
  int run();

 private:
  void runSeries(const Series& s);
  void runSize(const Series& s, const Reference& ref, uint64_t bytes);
  ResultCell measure(LibSlot& lib, const CollCall& call, const Reference& ref, bool inPlace);
  int64_t checkedRun(LibSlot& lib, const CollCall& call, const Reference& ref, bool inPlace);
  void prepare(const CollCall& call, const Reference& ref, bool inPlace);
  void report(const Series& s, const CollCounts& k, ResultCell cells[][2]);
  void startSeries(const Series& s);
  void registerWindows();
  void reportFailure(const LibSlot& lib, const CollCall& call, bool inPlace, const std::string& msg);

  PerfContext& ctx_;
  Timer timer_;
  DeviceBuffer send_, recv_;
  std::vector<uint8_t> host_;
  std::vector<LibSummary> summaries_;
  AlltoallvArgs a2av_;
  std::map<std::string, std::string> lastFailure_;  // per library
};

int Sweep::run() {
  ctx_.say("%s", tableHeader(ctx_.both()).c_str());
  for (const Series& s : seriesOf(ctx_.opts)) runSeries(s);
  int64_t wrong = 0;
  for (const LibSummary& s : summaries_) {
    ctx_.say("%s", formatFooter(s).c_str());
    wrong += s.wrong;
  }
  return wrong ? 1 : 0;
}

// --window 1: every library registers both buffers (each rank the same way).
void Sweep::registerWindows() {
  for (LibSlot& l : ctx_.libs) {
    if (!l.backend) continue;
    const std::string why = l.backend->registerWindows(send_.get(), recv_.get(), send_.bytes());
    if (why.empty()) ctx_.say("# %s: send and receive buffers registered as windows\n", l.name.c_str());
    else ctx_.say("# %s: buffers not registered as windows: %s\n", l.name.c_str(), why.c_str());
  }
}

void Sweep::startSeries(const Series& s) {
  for (LibSlot& l : ctx_.libs) {
    l.active = l.backend != nullptr;
    const std::string why = l.active ? l.backend->unsupported(s.type, s.op) : "";
    if (!why.empty()) {
      l.active = false;
      ctx_.say("# %s: %s %s %s skipped: %s\n", l.name.c_str(), collectiveName(ctx_.opts.collective),
               typeName(s.type), opName(s.op), why.c_str());
    }
  }
}

void Sweep::runSeries(const Series& s) {
  startSeries(s);
  const Reference ref(s.type, s.op, ctx_.nranks);
  for (uint64_t bytes : sizeSweep(ctx_.opts)) runSize(s, ref, bytes);
}

void Sweep::runSize(const Series& s, const Reference& ref, uint64_t bytes) {
  const PerfOptions& o = ctx_.opts;
  const CollCounts k = collCounts(o.collective, bytes, s.type, ctx_.nranks);
  if (o.collective == Collective::AllToAllv) a2av_ = alltoallvArgs(k.count, ctx_.rank, ctx_.nranks);
  ResultCell cells[2][2];  // [lib][in place]
  for (int inPlace = 0; inPlace < 2; ++inPlace) {
    if (inPlace && !supportsInPlace(o.collective)) continue;  // as nccl-tests: not measured
    for (size_t l = 0; l < ctx_.libs.size(); ++l) {
      CollCall call = makeCall(o.collective, send_.get(), recv_.get(), k, s.type, s.op, o.root, ctx_.rank,
                               ctx_.nranks, inPlace);
      call.a2av = &a2av_;
      cells[l][inPlace] = measure(ctx_.libs[l], call, ref, inPlace);
    }
  }
  report(s, k, cells);
}

ResultCell Sweep::measure(LibSlot& lib, const CollCall& call, const Reference& ref, bool inPlace) {
  ResultCell c;
  if (!lib.active) return c;
  const PerfOptions& o = ctx_.opts;
  const TimingPlan plan{o.iters, o.warmup, o.graphIters, o.blocking != 0,
                        timingRepeats(call.counts.bytes, o.iters, std::max(o.graphIters, 1))};
  Backend& b = *lib.backend;
  try {
    const double mine = timer_.time([&](cudaStream_t st) { enqueueCall(b, call, st); }, plan);
    std::vector<double> all(static_cast<size_t>(ctx_.nranks));
    MPI_Allgather(&mine, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, ctx_.comm);
    c.timeUs = aggregateAcrossRanks(all, o.average);
    c.algBw = algBandwidth(call.coll, call.counts, call.type, ctx_.nranks, c.timeUs * 1e-6);
    c.busBw = c.algBw * busBwFactor(call.coll, ctx_.nranks);
    c.ran = true;
    if (o.check) c.wrong = checkedRun(lib, call, ref, inPlace);
  } catch (const PhaseFailure& e) {
    reportFailure(lib, call, inPlace, e.what());
    lib.active = false;
    c = ResultCell{};
  }
  return c;
}

// Prints a library's failure once; a later series failing the same way gets one short line.
void Sweep::reportFailure(const LibSlot& lib, const CollCall& call, bool inPlace, const std::string& msg) {
  std::string& last = lastFailure_[lib.name];
  if (msg == last) {
    ctx_.say("# %s: %s %s %s: n/a (same failure)\n", lib.name.c_str(), collectiveName(call.coll), typeName(call.type),
             opName(call.op));
    return;
  }
  last = msg;
  ctx_.say("# %s: %s %s %s failed at %llu B %s: %s\n#   the rest of this series shows n/a\n", lib.name.c_str(),
           collectiveName(call.coll), typeName(call.type), opName(call.op),
           static_cast<unsigned long long>(call.counts.bytes), inPlace ? "in place" : "out of place", msg.c_str());
}

// Fills this rank's input and poisons the output area of the receive buffer.
void Sweep::prepare(const CollCall& call, const Reference& ref, bool inPlace) {
  const size_t ts = typeSize(call.type);
  const InputRegion in = inputRegion(call.coll, call.counts, ctx_.rank, call.root, inPlace);
  if (in.count) {
    host_.resize(in.count * ts);
    ref.fillInput(ctx_.rank, host_.data(), in.count);
    char* dst = (in.inRecv ? recv_.get() : send_.get()) + in.offset * ts;
    PERF_CUDA(cudaMemcpyAsync(dst, host_.data(), host_.size(), cudaMemcpyHostToDevice, ctx_.stream));
  }
  for (const auto& [off, len] : poisonRuns(call.coll, call.counts, ctx_.rank, call.root, inPlace))
    PERF_CUDA(cudaMemsetAsync(recv_.get() + off * ts, kPoisonByte, len * ts, ctx_.stream));
  PERF_CUDA(cudaStreamSynchronize(ctx_.stream));
}

int64_t Sweep::checkedRun(LibSlot& lib, const CollCall& call, const Reference& ref, bool inPlace) {
  phase(ctx_.comm, [&] { prepare(call, ref, inPlace); });
  CheckResult res;
  phase(ctx_.comm, [&] {
    timer_.runOnce([&](cudaStream_t st) { enqueueCall(*lib.backend, call, st); }, ctx_.opts.graphIters > 0);
    const size_t ts = typeSize(call.type), extent = recvExtent(call.coll, call.counts, inPlace);
    host_.resize(extent * ts);
    PERF_CUDA(cudaMemcpy(host_.data(), recv_.get(), host_.size(), cudaMemcpyDeviceToHost));
    res = ref.check(expectedLayout(call.coll, call.counts, ctx_.nranks, ctx_.rank, call.root, inPlace), host_.data());
  });
  if (res.wrong)
    std::fprintf(stderr, "# %s rank %d: %s %s %s %llu B %s: %s\n", lib.name.c_str(), ctx_.rank,
                 collectiveName(call.coll), typeName(call.type), opName(call.op),
                 static_cast<unsigned long long>(call.counts.bytes), inPlace ? "in place" : "out of place",
                 res.describe().c_str());
  int64_t mine = static_cast<int64_t>(res.wrong), total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, ctx_.comm);
  return total;
}

void Sweep::report(const Series& s, const CollCounts& k, ResultCell cells[][2]) {
  const RunInfo run = ctx_.runInfo();
  for (size_t l = 0; l < ctx_.libs.size(); ++l) {
    ResultRow row;
    row.lib = ctx_.libs[l].name;
    row.bytes = k.bytes;
    row.count = k.count;
    row.type = s.type;
    row.op = s.op;
    row.root = hasRoot(ctx_.opts.collective) ? ctx_.opts.root : -1;
    row.outOfPlace = cells[l][0];
    row.inPlace = cells[l][1];
    row.showRatio = ctx_.both() && l == 0;
    if (row.showRatio) {
      row.ratioOutOfPlace = timeRatio(cells[0][0], cells[1][0]);
      row.ratioInPlace = timeRatio(cells[0][1], cells[1][1]);
    }
    ctx_.say("%s\n", formatRow(row).c_str());
    for (int ip = 0; ip < 2; ++ip) {
      summaries_[l].add(cells[l][ip]);
      const ResultCell& c = cells[l][ip];
      ctx_.writeJson(resultJson(run, row, ip, !c.ran ? "n/a" : c.wrong > 0 ? "wrong" : "ok"));
    }
  }
}

}  // namespace

int runSweep(PerfContext& ctx) {
  Sweep sweep(ctx);
  return sweep.run();
}

}  // namespace lccl::perf
