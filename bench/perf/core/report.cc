#include "lccl_perf/report.hpp"

#include <cstdio>

namespace lccl::perf {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string cellText(const ResultCell& c) {
  char buf[128];
  if (!c.ran) {
    std::snprintf(buf, sizeof buf, "  %7s  %6s  %6s  %6s", "n/a", "n/a", "n/a", "n/a");
    return buf;
  }
  const std::string wrong = c.wrong < 0 ? "n/a" : std::to_string(c.wrong);
  std::snprintf(buf, sizeof buf, "  %7s  %6.2f  %6.2f  %6s", formatTime(c.timeUs).c_str(), c.algBw, c.busBw,
                wrong.c_str());
  return buf;
}

std::string ratioText(const std::optional<double>& r) { return r ? fmt("%5.2f", *r) : "  n/a"; }

}  // namespace

std::string formatTime(double us) {
  if (us >= 10000.0) return fmt("%7.0f", us);
  if (us >= 100.0) return fmt("%7.1f", us);
  return fmt("%7.2f", us);
}

std::string tableHeader(bool showRatio) {
  char buf[512];
  std::string h;
  std::snprintf(buf, sizeof buf, "# %4s  %12s  %12s  %8s  %6s  %4s  %33s  %33s", "", "", "", "", "", "",
                "out-of-place          ", "in-place            ");
  h += buf;
  if (showRatio) h += "    nccl/lccl";
  h += "\n";
  std::snprintf(buf, sizeof buf, "# %4s  %12s  %12s  %8s  %6s  %4s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s", "lib",
                "size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw",
                "busbw", "#wrong");
  h += buf;
  if (showRatio) h += "   oop     ip";
  h += "\n";
  std::snprintf(buf, sizeof buf, "# %4s  %12s  %12s  %8s  %6s  %4s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s", "",
                "(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
  h += buf;
  if (showRatio) h += "   (x)    (x)";
  return h + "\n";
}

std::string formatRow(const ResultRow& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %4s  %12llu  %12zu  %8s  %6s  %4d", r.lib.c_str(),
                static_cast<unsigned long long>(r.bytes), r.count, typeName(r.type), opName(r.op), r.root);
  std::string line = buf + cellText(r.outOfPlace) + cellText(r.inPlace);
  if (r.showRatio) line += "  " + ratioText(r.ratioOutOfPlace) + " " + ratioText(r.ratioInPlace);
  return line;
}

std::optional<double> timeRatio(const ResultCell& lccl, const ResultCell& nccl) {
  if (!lccl.ran || !nccl.ran || lccl.timeUs <= 0) return std::nullopt;
  return nccl.timeUs / lccl.timeUs;
}

void LibSummary::add(const ResultCell& c) {
  if (!c.ran) return;
  anyRan = true;
  if (c.wrong > 0) wrong += c.wrong;
  busBwSum += c.busBw;
  ++busBwCount;
}

std::string formatFooter(const LibSummary& s) {
  std::string out = "# [" + s.lib + "] Out of bounds values : " + std::to_string(s.wrong) +
                    (s.wrong ? " FAILED" : " OK") + "\n";
  out += "# [" + s.lib + "] Avg bus bandwidth    : ";
  out += s.busBwCount ? fmt("%g", s.busBwSum / s.busBwCount) : std::string("n/a");
  return out + "\n";
}

}  // namespace lccl::perf
