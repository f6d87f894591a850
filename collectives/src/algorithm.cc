#include "algorithm.hpp"

#include <cctype>

#include "lccl/errors.hpp"

namespace lccl::detail {

const char* algoName(Algo a) { return a == Algo::OneShot ? "oneshot" : "twoshot"; }
const char* protoName(Proto p) {
  return p == Proto::LL ? "LL" : p == Proto::LL128 ? "LL128" : "Simple";
}

bool feasible(Choice c, size_t bytes, int nranks) {
  if (c.proto == Proto::Simple) return c.algo == Algo::TwoShot;
  if (c.proto == Proto::LL128)
    return c.algo == Algo::OneShot ? ll128Fits(bytes, nranks)
                                   : ll128ShardUnits(bytes, nranks) <= ll128SlotUnits(nranks) / 2;
  if (c.algo == Algo::OneShot) return bytes <= llCapacity(nranks);
  return bytes <= llCapacity(nranks) / 2 * static_cast<size_t>(nranks);
}

Choice selectAllReduce(size_t bytes, int nranks) {
  // One-shot moves (n-1) x 2 x bytes per rank (LL packets double the data),
  // two-shot LL 2 x (n-1)/n x 2 x bytes in two packet hops: with two ranks
  // one-shot never moves more; beyond, two-shot wins once bandwidth matters.
  // Staged two-shot moves the least and pays two barriers and two local copies.
  // LL128 carries 94% data instead of LL16's 50%, in units of a warp.
  if (nranks <= 4) {
    const SelectTable& t = kSelect[nranks <= 2 ? 0 : 1];
    if (bytes <= t.oneShotLL) return {Algo::OneShot, Proto::LL};
    const Choice oneShot128{Algo::OneShot, Proto::LL128}, twoShot128{Algo::TwoShot, Proto::LL128};
    if (bytes <= t.oneShotLL128 && feasible(oneShot128, bytes, nranks)) return oneShot128;
    if (bytes <= t.twoShotLL128 && feasible(twoShot128, bytes, nranks)) return twoShot128;
    return {Algo::TwoShot, Proto::Simple};
  }
  if (bytes <= (64u << 10)) return {Algo::OneShot, Proto::LL};
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

// LCCL_PROTO's names, in Proto order (lower case: parseSpec compares so).
static const char* const kProtoNames[] = {"ll", "ll128", "simple"};

Choice withoutProto(Choice c, size_t bytes, int nranks, Proto p) {
  if (c.proto != p) return c;
  const Choice d = applyOverrides(c, bytes, nranks, "", std::string("^") + protoName(p));
  return d.proto != p ? d : Choice{Algo::TwoShot, Proto::Simple};
}

unsigned protoMask(const std::string& spec) {
  bool ex = false;
  const int p = parseSpec(spec, "LCCL_PROTO", kProtoNames, 3, &ex);
  if (p < 0) return kAllProtos;
  return ex ? kAllProtos & ~(1u << p) : 1u << p;
}

Choice applyOverrides(Choice c, size_t bytes, int nranks, const std::string& algo,
                      const std::string& proto) {
  static const char* const algos[] = {"oneshot", "twoshot"};
  bool exA = false, exP = false;
  const int a = parseSpec(algo, "LCCL_ALGO", algos, 2, &exA);
  const int p = parseSpec(proto, "LCCL_PROTO", kProtoNames, 3, &exP);
  const auto algoOk = [&](Algo x) { return a < 0 || (static_cast<int>(x) == a) != exA; };
  const auto protoOk = [&](Proto x) { return p < 0 || (static_cast<int>(x) == p) != exP; };
  if (algoOk(c.algo) && protoOk(c.proto)) return c;
  // The feasible choice that honours both and differs least from `c` in
  // what was not forced (ties: in this order); none: the override is ignored.
  const Choice all[] = {{Algo::OneShot, Proto::LL},    {Algo::TwoShot, Proto::LL},
                        {Algo::OneShot, Proto::LL128}, {Algo::TwoShot, Proto::LL128},
                        {Algo::TwoShot, Proto::Simple}};
  const Choice* best = nullptr;
  int bestScore = 3;
  for (const Choice& x : all) {
    if (!algoOk(x.algo) || !protoOk(x.proto) || !feasible(x, bytes, nranks)) continue;
    const int score = (a < 0 && x.algo != c.algo) + (p < 0 && x.proto != c.proto);
    if (score < bestScore) best = &x, bestScore = score;
  }
  if (best) return *best;
  return c;
}

}  // namespace lccl::detail
