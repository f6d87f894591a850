#include "membership.hpp"

#include <algorithm>
#include <string>

#include "lccl/errors.hpp"

namespace lccl::nccl {

int Membership::leader() const {
  return members.empty() ? -1 : *std::min_element(members.begin(), members.end());
}

Membership splitMembership(const std::vector<SplitEntry>& all, int myRank) {
  Membership m;
  if (myRank < 0 || myRank >= static_cast<int>(all.size()))
    throw InvalidArgumentError(ErrorSite{"ncclCommSplit", myRank}, "rank out of range");
  const int color = all[myRank].color;
  if (color == -1) return m;
  std::vector<SplitEntry> same;
  for (const auto& e : all)
    if (e.color == color) same.push_back(e);
  std::sort(same.begin(), same.end(), [](const SplitEntry& a, const SplitEntry& b) {
    return a.key != b.key ? a.key < b.key : a.rank < b.rank;
  });
  for (size_t i = 0; i < same.size(); ++i) {
    m.members.push_back(same[i].rank);
    if (same[i].rank == myRank) m.newRank = static_cast<int>(i);
  }
  return m;
}

Membership shrinkMembership(int nranks, const std::vector<int>& excluded, int myRank) {
  ErrorSite site{"ncclCommShrink", myRank};
  std::vector<bool> out(nranks, false);
  for (int r : excluded) {
    if (r < 0 || r >= nranks)
      throw InvalidArgumentError(site, "excluded rank " + std::to_string(r) +
                                           " out of range [0, " + std::to_string(nranks) + ")");
    out[r] = true;
  }
  if (myRank < 0 || myRank >= nranks || out[myRank])
    throw InvalidArgumentError(site, "this rank is in excludeRanksList: excluded ranks must not "
                                     "call ncclCommShrink");
  Membership m;
  for (int r = 0; r < nranks; ++r) {
    if (out[r]) continue;
    if (r == myRank) m.newRank = static_cast<int>(m.members.size());
    m.members.push_back(r);
  }
  return m;
}

}  // namespace lccl::nccl
