// Direct generators: every rank talks to every peer (AllGather,
// ReduceScatter, AllToAll), simple and LL.
#include "gen_internal.hpp"

namespace lccl::plan::detail {
namespace {

constexpr Buffer kIn = Buffer::Input, kOut = Buffer::Output, kScratch = Buffer::Scratch;

std::vector<int> channelsTo(const std::vector<std::vector<int>>& ch, int r, int n) {
  std::vector<int> out;
  for (int q : peersOf(r, n)) out.push_back(ch[r][q]);
  return out;
}

}  // namespace

std::vector<int> peersOf(int r, int n) {
  std::vector<int> out;
  for (int k = 1; k < n; ++k) out.push_back(mod(r + k, n));
  return out;
}

std::vector<std::vector<int>> connectAll(PlanBuilder& b, int n, const End& end) {
  std::vector<std::vector<int>> ch(n, std::vector<int>(n, -1));
  for (int a = 0; a < n; ++a)
    for (int c = a + 1; c < n; ++c) ch[a][c] = ch[c][a] = b.connect(a, end, c, end);
  return ch;
}

// Rank r's input goes to output chunk r of every rank.
void allgatherDirect(PlanBuilder& b, const GenerateOptions& o) {
  int n = o.nranks;
  b.comment("direct: every rank writes its input into chunk [rank] of every output");
  bool ll = o.protocol == Protocol::LL;
  b.buffers(1, n, ll ? n : 0);
  auto ch = connectAll(b, n, {kIn, ll ? kScratch : kOut});
  for (int r = 0; r < n; ++r) {
    Tb tb = b.tb(r, 0);
    std::vector<int> all = channelsTo(ch, r, n);
    if (!ll) {
      tb.signal(all);
      tb.wait(all);
    }
    for (int q : peersOf(r, n))
      ll ? tb.putPackets(local(kIn, 0), remote(ch[r][q], kScratch, r))
         : tb.put(local(kIn, 0), remote(ch[r][q], kOut, r));
    if (!o.inplace) tb.copy(local(kIn, 0), local(kOut, r));
    if (ll)
      for (int q : peersOf(r, n)) tb.readPackets(local(kScratch, q), local(kOut, q));
    else {
      tb.signal(all);
      tb.wait(all);
    }
  }
}

// Rank r reduces chunk r of every input into its output.
void reducescatterDirect(PlanBuilder& b, const GenerateOptions& o) {
  int n = o.nranks;
  b.comment("direct: rank r reduces chunk [r] of every rank's input");
  if (o.protocol == Protocol::LL) {
    b.buffers(n, 1, n);
    auto ch = connectAll(b, n, {kIn, kScratch});
    for (int r = 0; r < n; ++r) {
      Tb tb = b.tb(r, 0);
      std::vector<Ref> srcs{local(kIn, r)};
      for (int q : peersOf(r, n)) tb.putPackets(local(kIn, q), remote(ch[r][q], kScratch, r));
      for (int q : peersOf(r, n)) srcs.push_back(local(kScratch, q));
      tb.reducePackets(srcs, local(kOut, 0));
    }
    return;
  }
  b.buffers(n, 1, 0);
  auto ch = connectAll(b, n, {std::nullopt, kIn});
  for (int r = 0; r < n; ++r) {
    Tb tb = b.tb(r, 0);
    std::vector<int> all = channelsTo(ch, r, n);
    std::vector<Ref> srcs{local(kIn, r)};
    for (int q : peersOf(r, n)) srcs.push_back(remote(ch[r][q], kIn, r));
    tb.signal(all);
    tb.wait(all);
    tb.readReduceCopy(srcs, {local(kOut, 0)});
    tb.signal(all);
    tb.wait(all);
  }
}

// Block q of rank r's input goes to block r of rank q's output; one
// threadblock per peer, threadblock 0 also copies the rank's own block.
void alltoallDirect(PlanBuilder& b, const GenerateOptions& o) {
  int n = o.nranks;
  b.comment("direct: one threadblock per peer; block q of my input -> block [me] of q's output");
  bool ll = o.protocol == Protocol::LL;
  b.buffers(n, n, ll ? n : 0);
  auto ch = connectAll(b, n, {kIn, ll ? kScratch : kOut});
  for (int r = 0; r < n; ++r) {
    std::vector<int> peers = peersOf(r, n);
    for (size_t t = 0; t < peers.size(); ++t) {
      int q = peers[t], c = ch[r][q];
      Tb tb = b.tb(r, static_cast<int>(t));
      if (t == 0) tb.copy(local(kIn, r), local(kOut, r));
      if (ll) {
        tb.putPackets(local(kIn, q), remote(c, kScratch, r));
        tb.readPackets(local(kScratch, q), local(kOut, q));
        continue;
      }
      tb.signal({c});
      tb.wait({c});
      tb.put(local(kIn, q), remote(c, kOut, r));
      tb.signal({c});
      tb.wait({c});
    }
  }
}

}  // namespace lccl::plan::detail
