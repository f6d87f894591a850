// AllReduce generators: ring, one-shot, two-shot; simple and LL.
#include "gen_internal.hpp"

namespace lccl::plan::detail {
namespace {

constexpr Buffer kIn = Buffer::Input, kOut = Buffer::Output, kScratch = Buffer::Scratch;

// Ring, simple. n chunks; scratch slot s receives step s of the reduce-scatter.
// Channels r -> r+1: A (input -> scratch, step 0), B (output -> scratch, steps
// 1..n-2), C (output -> output, all-gather). A also carries the start
// handshake the other way: "I started, you may write to me".
void ringSimple(PlanBuilder& b, int n) {
  b.buffers(n, n, n - 1);
  std::vector<int> A(n), B(n, -1), C(n);
  for (int r = 0; r < n; ++r) {
    int next = mod(r + 1, n);
    A[r] = b.connect(r, {kIn, kScratch}, next, {});
    if (n > 2) B[r] = b.connect(r, {kOut, kScratch}, next, {});
    C[r] = b.connect(r, {kOut, kOut}, next, {});
  }
  for (int r = 0; r < n; ++r) {
    int prev = mod(r - 1, n);
    Tb tb = b.tb(r, 0);
    tb.signal({A[prev]});
    tb.wait({A[r]});
    for (int s = 0; s < n - 1; ++s) {  // reduce-scatter: pass chunk r-s on, fold in r-1-s
      int send = mod(r - s, n), recv = mod(r - 1 - s, n);
      int ch = s == 0 ? A[r] : B[r];
      tb.put(local(s == 0 ? kIn : kOut, send), remote(ch, kScratch, s));
      tb.signal({ch});
      tb.wait({s == 0 ? A[prev] : B[prev]});
      tb.reduce({local(kScratch, s), local(kIn, recv)}, local(kOut, recv));
    }
    for (int t = 0; t < n - 1; ++t) {  // all-gather: rank r owns chunk r+1 now
      int send = mod(r + 1 - t, n);
      tb.put(local(kOut, send), remote(C[r], kOut, send));
      tb.signal({C[r]});
      tb.wait({C[prev]});
    }
  }
}

// Ring, LL. Scratch slots 0..n-2 take the reduce-scatter steps, n-1.. the
// all-gather steps; every slot is written once, so no handshakes.
void ringLL(PlanBuilder& b, int n) {
  b.buffers(n, n, 2 * (n - 1));
  std::vector<int> A(n), B(n);
  for (int r = 0; r < n; ++r) {
    A[r] = b.connect(r, {kIn, kScratch}, mod(r + 1, n), {});
    B[r] = b.connect(r, {kOut, kScratch}, mod(r + 1, n), {});
  }
  for (int r = 0; r < n; ++r) {
    Tb tb = b.tb(r, 0);
    for (int s = 0; s < n - 1; ++s) {
      int send = mod(r - s, n), recv = mod(r - 1 - s, n);
      tb.putPackets(local(s == 0 ? kIn : kOut, send), remote(s == 0 ? A[r] : B[r], kScratch, s));
      tb.reducePackets({local(kScratch, s), local(kIn, recv)}, local(kOut, recv));
    }
    for (int t = 0; t < n - 1; ++t) {
      uint32_t slot = n - 1 + t;
      tb.putPackets(local(kOut, mod(r + 1 - t, n)), remote(B[r], kScratch, slot));
      tb.readPackets(local(kScratch, slot), local(kOut, mod(r - t, n)));
    }
  }
}

}  // namespace

void allreduceRing(PlanBuilder& b, const GenerateOptions& o) {
  b.comment("ring: reduce-scatter then all-gather, n-1 steps each, one threadblock per rank");
  o.protocol == Protocol::LL ? ringLL(b, o.nranks) : ringSimple(b, o.nranks);
}

// One-shot. Simple: after a start handshake every rank reads every peer's
// input and reduces it (into scratch when in place, since peers still read
// the input), then a closing handshake says "done reading you". LL: every
// rank sends its input to every peer's scratch slot [rank] as packets.
void allreduceOneShot(PlanBuilder& b, const GenerateOptions& o) {
  int n = o.nranks;
  b.comment("one-shot: every rank gets every input and reduces all of it");
  if (o.protocol == Protocol::LL) {
    b.buffers(1, 1, n);
    auto ch = connectAll(b, n, {kIn, kScratch});
    for (int r = 0; r < n; ++r) {
      Tb tb = b.tb(r, 0);
      std::vector<Ref> srcs{local(kIn, 0)};
      for (int q : peersOf(r, n)) tb.putPackets(local(kIn, 0), remote(ch[r][q], kScratch, r));
      for (int q : peersOf(r, n)) srcs.push_back(local(kScratch, q));
      tb.reducePackets(srcs, local(kOut, 0));
    }
    return;
  }
  b.buffers(1, 1, o.inplace ? 1 : 0);
  auto ch = connectAll(b, n, {std::nullopt, kIn});
  for (int r = 0; r < n; ++r) {
    Tb tb = b.tb(r, 0);
    std::vector<int> all;
    std::vector<Ref> srcs{local(kIn, 0)};
    for (int q : peersOf(r, n)) {
      all.push_back(ch[r][q]);
      srcs.push_back(remote(ch[r][q], kIn, 0));
    }
    Ref result = local(o.inplace ? kScratch : kOut, 0);
    tb.signal(all);
    tb.wait(all);
    tb.readReduceCopy(srcs, {result});
    tb.signal(all);
    tb.wait(all);
    if (o.inplace) tb.copy(result, local(kOut, 0));
  }
}

// Two-shot. Rank r reduces chunk r of every input and stores the result in
// chunk r of every output. Simple: one read-reduce-copy between handshakes.
// LL: packets to scratch slot [rank] (reduce-scatter), then to slot n+rank.
void allreduceTwoShot(PlanBuilder& b, const GenerateOptions& o) {
  int n = o.nranks;
  b.comment("two-shot: rank r reduces chunk r of every input, then sends it to every rank");
  if (o.protocol == Protocol::LL) {
    b.buffers(n, n, 2 * n);
    auto in = connectAll(b, n, {kIn, kScratch});
    auto out = connectAll(b, n, {kOut, kScratch});
    for (int r = 0; r < n; ++r) {
      Tb tb = b.tb(r, 0);
      std::vector<Ref> srcs{local(kIn, r)};
      for (int q : peersOf(r, n)) tb.putPackets(local(kIn, q), remote(in[r][q], kScratch, r));
      for (int q : peersOf(r, n)) srcs.push_back(local(kScratch, q));
      tb.reducePackets(srcs, local(kOut, r));
      for (int q : peersOf(r, n)) tb.putPackets(local(kOut, r), remote(out[r][q], kScratch, n + r));
      for (int q : peersOf(r, n)) tb.readPackets(local(kScratch, n + q), local(kOut, q));
    }
    return;
  }
  b.buffers(n, n, 0);
  auto in = connectAll(b, n, {std::nullopt, kIn});
  auto out = connectAll(b, n, {std::nullopt, kOut});
  for (int r = 0; r < n; ++r) {
    Tb tb = b.tb(r, 0);
    std::vector<int> opening, closing;
    std::vector<Ref> srcs{local(kIn, r)}, dsts{local(kOut, r)};
    for (int q : peersOf(r, n)) {
      opening.push_back(in[r][q]);
      closing.push_back(out[r][q]);
      srcs.push_back(remote(in[r][q], kIn, r));
      dsts.push_back(remote(out[r][q], kOut, r));
    }
    tb.signal(opening);
    tb.wait(opening);
    tb.readReduceCopy(srcs, dsts);
    tb.signal(closing);
    tb.wait(closing);
  }
}

}  // namespace lccl::plan::detail
