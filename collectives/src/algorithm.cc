#include "algorithm.hpp"

#include <cctype>

#include "lccl/errors.hpp"

namespace lccl::detail {

const char* algoName(Algo a) { return a == Algo::OneShot ? "oneshot" : "twoshot"; }
const char* protoName(Proto p) { return p == Proto::LL ? "LL" : "Simple"; }

bool feasible(Choice c, size_t bytes, int nranks) {
  if (c.algo == Algo::OneShot) return c.proto == Proto::LL && bytes <= llCapacity(nranks);
  if (c.proto == Proto::LL) return bytes <= llCapacity(nranks) / 2 * static_cast<size_t>(nranks);
  return true;
}

Choice selectAllReduce(size_t bytes, int nranks) {
  // One-shot moves (n-1) x 2 x bytes per rank (LL packets double the data),
  // two-shot LL 2 x (n-1)/n x 2 x bytes in two packet hops: with two ranks
  // one-shot never moves more; beyond, two-shot wins once bandwidth matters.
  // Staged two-shot moves the least and pays two barriers and two local copies.
  if (nranks <= 2) return bytes <= llCapacity(nranks) ? Choice{Algo::OneShot, Proto::LL}
                                                    : Choice{Algo::TwoShot, Proto::Simple};
  // Measured on 4 H100s (NVSwitch): one-shot leads two-shot LL up to 128 KiB.
  const size_t oneShotMax = nranks <= 4 ? (128u << 10) : (64u << 10);
  if (bytes <= oneShotMax) return {Algo::OneShot, Proto::LL};
  const Choice twoShotLL{Algo::TwoShot, Proto::LL};
  if (bytes <= (1u << 20) && feasible(twoShotLL, bytes, nranks)) return twoShotLL;
  return {Algo::TwoShot, Proto::Simple};
}

static std::string lower(const std::string& s) {
  std::string o;
  for (char c : s) o += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// Parses "x" or "^x" against `known`: returns the index of x, and sets
// *exclude. Empty spec: -1.
static int parseSpec(const std::string& spec, const char* what, const char* const* known,
                     int nknown, bool* exclude) {
  if (spec.empty()) return -1;
  *exclude = spec[0] == '^';
  const std::string s = lower(*exclude ? spec.substr(1) : spec);
  for (int i = 0; i < nknown; ++i)
    if (s == known[i]) return i;
  std::string list;
  for (int i = 0; i < nknown; ++i) list += std::string(i ? ", " : "") + known[i];
  throw InvalidArgumentError(ErrorSite{"algorithm selection"},
                             std::string(what) + "='" + spec + "': expected one of " + list +
                                 " (optionally prefixed with ^ to exclude)");
}

Choice applyOverrides(Choice c, size_t bytes, int nranks, const std::string& algo,
                      const std::string& proto) {
  static const char* const algos[] = {"oneshot", "twoshot"};
  static const char* const protos[] = {"ll", "simple"};
  bool exA = false, exP = false;
  const int a = parseSpec(algo, "LCCL_ALGO", algos, 2, &exA);
  const int p = parseSpec(proto, "LCCL_PROTO", protos, 2, &exP);
  Choice want = c;
  if (a >= 0) want.algo = static_cast<Algo>(exA ? 1 - a : a);
  if (p >= 0) want.proto = static_cast<Proto>(exP ? 1 - p : p);
  if (feasible(want, bytes, nranks)) return want;
  // Keep what was forced; complete the field that was not.
  if (a >= 0 && p < 0)
    for (Proto q : {Proto::LL, Proto::Simple})
      if (feasible({want.algo, q}, bytes, nranks)) return {want.algo, q};
  if (p >= 0 && a < 0)
    for (Algo b : {Algo::OneShot, Algo::TwoShot})
      if (feasible({b, want.proto}, bytes, nranks)) return {b, want.proto};
  return c;
}

}  // namespace lccl::detail
