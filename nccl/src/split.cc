// ncclCommSplit and ncclCommShrink: new communicators from a parent's ranks.
//
// Native parents use their bootstrap: Split allGathers (color, key, rank),
// Shrink needs no exchange (every survivor knows the excluded list). The
// members' lowest parent rank creates an lccl unique id and sends it to the
// others; each member then initialises like ncclCommInitRank on the parent's
// device. Delegated parents are split by the fallback NCCL.
#include <vector>

#include "api.hpp"
#include "fallback.hpp"
#include "init.hpp"
#include "membership.hpp"

using namespace lccl;
using namespace lccl::nccl;

namespace {

// The parent must be initialised; a revoked parent may still be split.
ncclComm& parentComm(ncclComm_t comm, const char* call) {
  ncclComm& c = liveComm(comm, call);
  CommState s = c.state.load();
  if (s == CommState::Ready || s == CommState::Revoked) return c;
  return readyComm(comm, call);  // throws the reason
}

void createMember(ncclComm_t* newcomm, const ncclComm& parent, const Membership& m, int tag,
                  const Config& config, const char* call) {
  InitSpec spec;
  spec.nranks = static_cast<int>(m.members.size());
  spec.rank = m.newRank;
  spec.id = shareId(parent.communicator->bootstrap(), m.members, m.leader(), tag);
  spec.device = parent.device;
  spec.config = config;
  createComm(newcomm, spec, call);
}

ncclResult_t wrapResult(ncclResult_t r, ncclComm_t real, ncclComm_t* newcomm, const ncclComm& parent,
                        const Config& config, const char* call) {
  loadedFallback()->check(r, call, parent.real);
  if (real != nullptr) *newcomm = wrapDelegated(real, parent.device, config);
  return r;
}

}  // namespace

LCCL_NCCL_API(ncclResult_t, ncclCommSplit, ncclComm_t comm, int color, int key, ncclComm_t* newcomm,
              ncclConfig_t* config) {
  const char* call = "ncclCommSplit";
  return guarded(call, [&] {
    if (newcomm == nullptr) throw InvalidArgumentError(ErrorSite{call}, "newcomm is NULL");
    *newcomm = nullptr;
    ncclComm& parent = parentComm(comm, call);
    if (color < 0 && color != NCCL_SPLIT_NOCOLOR)
      throw InvalidArgumentError(ErrorSite{call, parent.rank},
                                 "color " + std::to_string(color) +
                                     " must be non-negative or NCCL_SPLIT_NOCOLOR");
    Config cfg = config ? readConfig(config, call) : parent.config;
    if (delegated(parent)) {
      ncclComm_t real = nullptr;
      ncclResult_t r = loadedFallback()->ncclCommSplit(parent.real, color, key, &real, config);
      return wrapResult(r, real, newcomm, parent, cfg, call);
    }
    std::vector<SplitEntry> all(parent.nranks);
    all[parent.rank] = SplitEntry{color, key, parent.rank};
    parent.communicator->bootstrap().allGather(all.data(), sizeof(SplitEntry));
    Membership m = splitMembership(all, parent.rank);
    if (m.newRank >= 0) createMember(newcomm, parent, m, kSplitIdTag, cfg, call);
    return ncclSuccess;
  });
}

LCCL_NCCL_API(ncclResult_t, ncclCommShrink, ncclComm_t comm, int* excludeRanksList,
              int excludeRanksCount, ncclComm_t* newcomm, ncclConfig_t* config, int shrinkFlags) {
  const char* call = "ncclCommShrink";
  return guarded(call, [&] {
    if (newcomm == nullptr) throw InvalidArgumentError(ErrorSite{call}, "newcomm is NULL");
    *newcomm = nullptr;
    ncclComm& parent = parentComm(comm, call);
    ErrorSite site{call, parent.rank};
    if (excludeRanksCount < 0 || (excludeRanksCount > 0 && excludeRanksList == nullptr))
      throw InvalidArgumentError(site, "excludeRanksList is NULL or excludeRanksCount negative");
    if (shrinkFlags != NCCL_SHRINK_DEFAULT && shrinkFlags != NCCL_SHRINK_ABORT)
      throw InvalidArgumentError(site, "shrinkFlags must be NCCL_SHRINK_DEFAULT or "
                                       "NCCL_SHRINK_ABORT");
    Config cfg = config ? readConfig(config, call) : parent.config;
    if (delegated(parent)) {
      const RealNccl& lib = *loadedFallback();
      ncclComm_t real = nullptr;
      ncclResult_t r = lib.need(lib.ncclCommShrink, call)(parent.real, excludeRanksList,
                                                           excludeRanksCount, &real, config,
                                                           shrinkFlags);
      return wrapResult(r, real, newcomm, parent, cfg, call);
    }
    std::vector<int> excluded(excludeRanksList, excludeRanksList + excludeRanksCount);
    Membership m = shrinkMembership(parent.nranks, excluded, parent.rank);
    if (shrinkFlags == NCCL_SHRINK_ABORT) {
      parent.communicator->abortDeviceWaits();
      parent.state = CommState::Revoked;
    }
    createMember(newcomm, parent, m, kShrinkIdTag, cfg, call);
    return ncclSuccess;
  });
}
