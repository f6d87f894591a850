// membership.hpp — who belongs to a communicator made by ncclCommSplit or
// ncclCommShrink, and in which order. Pure functions (host-tested).
#pragma once

#include <cstdint>
#include <vector>

namespace lccl::nccl {

struct SplitEntry {  // one rank's ncclCommSplit arguments, exchanged with allGather
  int32_t color;
  int32_t key;
  int32_t rank;  // in the parent
};

struct Membership {
  std::vector<int> members;  // parent ranks, in new-rank order
  int newRank = -1;          // -1: this rank gets no communicator
  int leader() const;        // lowest parent rank among members (creates the new id)
};

// Ranks with this rank's color, ordered by (key, parent rank). A rank whose
// color is NCCL_SPLIT_NOCOLOR (-1) gets an empty Membership.
Membership splitMembership(const std::vector<SplitEntry>& all, int myRank);

// The parent's ranks minus `excluded`, in parent order. Throws
// InvalidArgumentError for a rank out of range or when this rank is excluded.
Membership shrinkMembership(int nranks, const std::vector<int>& excluded, int myRank);

}  // namespace lccl::nccl
