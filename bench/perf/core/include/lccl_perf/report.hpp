// report.hpp — the nccl-tests table, one row per library per size.
//
//   #  lib        size       count      type   redop    root |  out-of-place: time algbw busbw #wrong |  in-place ... | nccl/lccl (oop ip)
// Times use nccl-tests' precision (%7.2f below 100 us, %7.1f below 10 ms,
// then %7.0f). A cell that did not run shows "n/a"; #wrong is "n/a" when the
// check was off or does not apply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lccl_perf/perf_types.hpp"

namespace lccl::perf {

struct ResultCell {
  bool ran = false;        // false: the library could not run it ("n/a")
  double timeUs = 0;
  double algBw = 0;        // GB/s
  double busBw = 0;        // GB/s
  int64_t wrong = -1;      // -1: not checked
};

struct ResultRow {
  std::string lib;         // "lccl" or "nccl"
  uint64_t bytes = 0;
  size_t count = 0;
  DType type = DType::Float;
  ROp op = ROp::Sum;       // None prints "none"
  int root = -1;           // -1 for collectives without a root
  ResultCell outOfPlace, inPlace;
  bool showRatio = false;  // print the ratio columns (with --lib both)
  std::optional<double> ratioOutOfPlace, ratioInPlace;  // nccl time / lccl time
};

std::string formatTime(double us);
std::string tableHeader(bool showRatio);
std::string formatRow(const ResultRow& r);
// nccl time / lccl time when both ran, else nullopt.
std::optional<double> timeRatio(const ResultCell& lccl, const ResultCell& nccl);

// Running totals of one library for the footer.
struct LibSummary {
  std::string lib;
  int64_t wrong = 0;
  double busBwSum = 0;
  int busBwCount = 0;
  bool anyRan = false;
  void add(const ResultCell& c);
};
// "# [lib] Out of bounds values : N OK|FAILED" and "# [lib] Avg bus bandwidth    : X".
std::string formatFooter(const LibSummary& s);

}  // namespace lccl::perf
