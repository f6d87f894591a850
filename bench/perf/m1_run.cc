// m1_run.cc — one MiniMax-M1 forward step's all-reduces (core/m1.hpp) in one CUDA graph per T.
#include <algorithm>
#include <tuple>

#include "lccl_perf/check.hpp"
#include "context.hpp"
#include "lccl_perf/m1.hpp"
#include "lccl_perf/report.hpp"
#include "runner.hpp"
#include "lccl_perf/stats.hpp"

namespace lccl::perf {
namespace {

class M1Run {
 public:
  explicit M1Run(PerfContext& ctx)
      : ctx_(ctx), timer_(ctx.comm, ctx.stream), maxTokens_(*std::max_element(ctx.opts.tokens.begin(), ctx.opts.tokens.end())),
        bfSend_(maxTokens_ * kM1Hidden * 2), bfRecv_(bfSend_.bytes()), fSend_(maxTokens_ * 4), fRecv_(fSend_.bytes()),
        bfRef_(DType::BFloat16, ROp::Sum, ctx.nranks), fRef_(DType::Float, ROp::Sum, ctx.nranks) {}
  int run();

 private:
  M1Record measure(LibSlot& lib, int tokens);
  void enqueueStep(Backend& b, const std::vector<M1Op>& ops, cudaStream_t st);
  int64_t checkedStep(Backend& b, const std::vector<M1Op>& ops, int tokens);
  void printHeader() const;
  void printRow(int tokens, const std::vector<M1Record>& recs) const;

  PerfContext& ctx_;
  Timer timer_;
  size_t maxTokens_;
  DeviceBuffer bfSend_, bfRecv_, fSend_, fRecv_;
  Reference bfRef_, fRef_;
  std::vector<uint8_t> host_;
};

void M1Run::enqueueStep(Backend& b, const std::vector<M1Op>& ops, cudaStream_t st) {
  for (const M1Op& op : ops) {
    const bool bf = op.type == DType::BFloat16;
    b.allReduce(bf ? bfSend_.get() : fSend_.get(), bf ? bfRecv_.get() : fRecv_.get(), op.count, op.type, ROp::Sum, st);
  }
}

int64_t M1Run::checkedStep(Backend& b, const std::vector<M1Op>& ops, int tokens) {
  const size_t bfCount = static_cast<size_t>(tokens) * kM1Hidden, fCount = static_cast<size_t>(tokens);
  phase(ctx_.comm, [&] {
    for (auto [ref, buf, n] : {std::tuple{&bfRef_, bfSend_.get(), bfCount}, std::tuple{&fRef_, fSend_.get(), fCount}}) {
      host_.resize(n * typeSize(ref->type()));
      ref->fillInput(ctx_.rank, host_.data(), n);
      PERF_CUDA(cudaMemcpy(buf, host_.data(), host_.size(), cudaMemcpyHostToDevice));
    }
    PERF_CUDA(cudaMemset(bfRecv_.get(), kPoisonByte, bfCount * 2));
    PERF_CUDA(cudaMemset(fRecv_.get(), kPoisonByte, fCount * 4));
    PERF_CUDA(cudaDeviceSynchronize());
  });
  uint64_t wrong = 0;
  phase(ctx_.comm, [&] {
    timer_.runOnce([&](cudaStream_t st) { enqueueStep(b, ops, st); }, true);
    for (auto [ref, buf, n] : {std::tuple{&bfRef_, bfRecv_.get(), bfCount}, std::tuple{&fRef_, fRecv_.get(), fCount}}) {
      host_.resize(n * typeSize(ref->type()));
      PERF_CUDA(cudaMemcpy(host_.data(), buf, host_.size(), cudaMemcpyDeviceToHost));
      const CollCounts k = collCounts(Collective::AllReduce, host_.size(), ref->type(), ctx_.nranks);
      wrong += ref->check(expectedLayout(Collective::AllReduce, k, ctx_.nranks, ctx_.rank, 0, false), host_.data()).wrong;
    }
  });
  int64_t mine = static_cast<int64_t>(wrong), total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, ctx_.comm);
  return total;
}

M1Record M1Run::measure(LibSlot& lib, int tokens) {
  const std::vector<M1Op> ops = m1Schedule(tokens);
  M1Record m{lib.name, tokens, false, 0, static_cast<int>(ops.size()),
             static_cast<uint64_t>(tokens) * kM1Hidden * 2, -1};
  if (!lib.active) return m;
  const PerfOptions& o = ctx_.opts;
  const TimingPlan plan{o.iters, std::max(o.warmup, 1), 1, false,
                        timingRepeats(m.bf16Bytes * 160, o.iters, 1)};
  try {
    const double mine = timer_.time([&](cudaStream_t st) { enqueueStep(*lib.backend, ops, st); }, plan);
    std::vector<double> all(static_cast<size_t>(ctx_.nranks));
    MPI_Allgather(&mine, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, ctx_.comm);
    m.stepUs = aggregateAcrossRanks(all, o.average);
    m.ran = true;
    if (o.check) m.wrong = checkedStep(*lib.backend, ops, tokens);
  } catch (const PhaseFailure& e) {
    ctx_.say("# %s: m1 failed at T=%d: %s\n#   the remaining T show n/a\n", lib.name.c_str(), tokens, e.what());
    lib.active = false;
    m.ran = false;
  }
  return m;
}

void M1Run::printHeader() const {
  ctx_.say("# MiniMax-M1 forward step, tensor parallel = %d: per T, one CUDA graph of %d all-reduces (sum):\n"
           "#   160 x (T x %d) bfloat16 + 70 x (T x 1) float; per layer (80): [float if lightning], bf16, bf16\n"
           "#   %d replays timed after %d warm-up replays; time per step (us), per-op = step / 230\n",
           ctx_.nranks, 230, kM1Hidden, ctx_.opts.iters, std::max(ctx_.opts.warmup, 1));
  ctx_.say("# %6s  %12s", "T", "bf16 (B)");
  for (const LibSlot& l : ctx_.libs) ctx_.say("  %9s %-4s  %7s  %6s", "step(us)", l.name.c_str(), "per-op", "#wrong");
  ctx_.say("%s\n", ctx_.both() ? "  nccl/lccl" : "");
}

void M1Run::printRow(int tokens, const std::vector<M1Record>& recs) const {
  ctx_.say("  %6d  %12llu", tokens, static_cast<unsigned long long>(recs.front().bf16Bytes));
  for (const M1Record& m : recs) {
    const std::string wrong = (m.ran && m.wrong >= 0) ? std::to_string(m.wrong) : "n/a";
    if (m.ran)
      ctx_.say("  %14s  %7s  %6s", formatTime(m.stepUs).c_str(), formatTime(m.stepUs / m.collectives).c_str(), wrong.c_str());
    else
      ctx_.say("  %14s  %7s  %6s", "n/a", "n/a", "n/a");
  }
  if (ctx_.both() && recs[0].ran && recs[1].ran) ctx_.say("  %9.2f", recs[1].stepUs / recs[0].stepUs);
  else if (ctx_.both()) ctx_.say("  %9s", "n/a");
  ctx_.say("\n");
}

int M1Run::run() {
  for (LibSlot& l : ctx_.libs) l.active = l.backend != nullptr;
  printHeader();
  int64_t wrong = 0;
  for (int t : ctx_.opts.tokens) {
    std::vector<M1Record> recs;
    for (LibSlot& l : ctx_.libs) recs.push_back(measure(l, t));
    printRow(t, recs);
    for (const M1Record& m : recs) {
      wrong += std::max<int64_t>(m.wrong, 0);
      ctx_.writeJson(m1Json(ctx_.runInfo(), m));
    }
  }
  ctx_.say("# Out of bounds values : %lld %s\n", static_cast<long long>(wrong), wrong ? "FAILED" : "OK");
  return wrong ? 1 : 0;
}

}  // namespace

int runM1(PerfContext& ctx) {
  M1Run m1(ctx);
  return m1.run();
}

}  // namespace lccl::perf
