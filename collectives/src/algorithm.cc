#include "algorithm.hpp"

#include <cctype>

#include "lccl/errors.hpp"

namespace lccl::detail {

const char* algoName(Algo a) { return a == Algo::OneShot ? "oneshot" : "twoshot"; }
const char* protoName(Proto p) { return p == Proto::LL ? "LL" : "Simple"; }

Choice selectAllReduce(size_t bytes, int nranks) {
  // One-shot LL: every rank pushes its whole input to every peer as LL
  // packets; the latency of a single NVLink hop. It moves (n-1)x the data of
  // two-shot, so it wins only while latency dominates.
  size_t oneShotLimit = nranks <= 4 ? (256u << 10) : (64u << 10);
  if (bytes <= oneShotLimit) return {Algo::OneShot, Proto::LL};
  return {Algo::TwoShot, Proto::Simple};
}

static std::string lower(const std::string& s) {
  std::string o;
  for (char c : s) o += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// "x" selects x; "^x" excludes x. Returns 1 (select), -1 (exclude), 0 (no say).
static int verdict(const std::string& spec, const char* name, const char* what,
                   const char* const* known, int nknown) {
  if (spec.empty()) return 0;
  bool exclude = spec[0] == '^';
  std::string s = lower(exclude ? spec.substr(1) : spec);
  bool ok = false;
  for (int i = 0; i < nknown; ++i) ok = ok || s == known[i];
  if (!ok) {
    std::string list;
    for (int i = 0; i < nknown; ++i) list += std::string(i ? ", " : "") + known[i];
    throw InvalidArgumentError(ErrorSite{"algorithm selection"},
                               std::string(what) + "='" + spec + "': expected one of " + list +
                                   " (optionally prefixed with ^ to exclude)");
  }
  if (s != lower(name)) return exclude ? 1 : -1;
  return exclude ? -1 : 1;
}

Choice applyOverrides(Choice c, size_t bytes, const std::string& algo, const std::string& proto) {
  static const char* const algos[] = {"oneshot", "twoshot"};
  static const char* const protos[] = {"ll", "simple"};
  bool oneShotFits = bytes <= kOneShotMaxBytes;
  if (verdict(algo, "oneshot", "LCCL_ALGO", algos, 2) == 1 && oneShotFits) c = {Algo::OneShot, Proto::LL};
  if (verdict(algo, "twoshot", "LCCL_ALGO", algos, 2) == 1) c = {Algo::TwoShot, Proto::Simple};
  if (verdict(proto, "simple", "LCCL_PROTO", protos, 2) == 1) c = {Algo::TwoShot, Proto::Simple};
  if (verdict(proto, "ll", "LCCL_PROTO", protos, 2) == 1 && oneShotFits) c = {Algo::OneShot, Proto::LL};
  return c;
}

}  // namespace lccl::detail
