// lccl-plan simulate.
#include <cstdio>

#include "cli_internal.hpp"
#include "lccl/executors/cli.hpp"
#include "lccl/executors/simulate.hpp"

namespace lccl::plan::detail {
namespace {

void printTraffic(const SimulateResult& res, std::ostream& out) {
  out << "traffic in bytes (written: put, put-packets, read-reduce-copy to the peer; "
         "read: get, read-reduce-copy from it):\n";
  char line[96];
  std::snprintf(line, sizeof line, "  %6s %8s %6s %12s %12s\n", "rank", "channel", "peer",
                "written", "read");
  out << line;
  int rank = -1;
  uint64_t written = 0, read = 0;
  auto total = [&] {
    if (rank >= 0)
      out << "  rank " << rank << " total: written " << written << ", read " << read << "\n";
  };
  for (const ChannelTraffic& t : res.traffic) {
    if (t.rank != rank) {
      total();
      rank = t.rank;
      written = read = 0;
    }
    written += t.bytesWritten;
    read += t.bytesRead;
    if (t.bytesWritten == 0 && t.bytesRead == 0) continue;
    std::snprintf(line, sizeof line, "  %6d %8d %6d %12llu %12llu\n", t.rank, t.channelId, t.peer,
                  static_cast<unsigned long long>(t.bytesWritten),
                  static_cast<unsigned long long>(t.bytesRead));
    out << line;
  }
  total();
}

// One simulation run; prints its verdict (and the traffic when asked).
bool simulateOnce(const Plan& p, const SimulateOptions& o, bool traffic, std::ostream& out,
                  std::ostream& err) {
  SimulateResult res = simulatePlan(p, o);
  out << "simulate " << p.name << " (" << p.nranks << " ranks, seed " << o.seed << ", "
      << o.chunkElems << " x 8-byte elements per chunk, " << res.messageBytes
      << "-byte input per rank): " << (res.ok ? "ok" : "MISMATCH") << ", " << res.opsExecuted
      << " ops\n";
  for (const std::string& e : res.errors) err << p.name << ": " << e << "\n";
  if (res.ok && traffic) printTraffic(res, out);
  return res.ok;
}

}  // namespace

int runSimulate(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.positional.size() != 1) throw UsageError("simulate needs one PLAN");
  SimulateOptions o;
  o.seed = static_cast<uint64_t>(a.integer("--seed", 0, INT64_MAX, 1));
  o.chunkElems = static_cast<uint32_t>(a.integer("--chunk-elems", 1, 1 << 16, 4));
  int64_t runs = a.integer("--runs", 1, 10000, 1);
  std::string order = a.text("--order", "random");
  if (order != "random" && order != "round-robin")
    throw UsageError("--order must be random or round-robin");
  o.order = order == "random" ? ScheduleOrder::Random : ScheduleOrder::RoundRobin;
  int64_t ranks = a.integer("--ranks", 1, kMaxRanks, 0);
  PlanFile file;
  bool usage = false;
  if (!loadPlanFile(a.positional[0], file, true, err, usage))
    return usage ? kExitUsage : kExitInvalid;
  bool ok = true;
  for (const Variant& v : file.variants) {
    if (ranks != 0 && v.plan.nranks != ranks) {
      err << a.positional[0] << ": plan " << v.plan.name << " is for " << v.plan.nranks
          << " ranks, not " << ranks << "\n";
      return kExitInvalid;
    }
    for (int64_t run = 0; run < runs; ++run) {
      SimulateOptions each = o;
      each.seed = o.seed + static_cast<uint64_t>(run);
      ok = simulateOnce(v.plan, each, run == 0, out, err) && ok;
    }
  }
  return ok ? kExitOk : kExitInvalid;
}

}  // namespace lccl::plan::detail
