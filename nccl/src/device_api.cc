// The host functions of NCCL's device API (nccl_device/*.h). PyTorch imports
// ncclDevCommCreate/Destroy, so they must exist; lccl has no device
// communicators yet, so they (and the requirement builders) return
// ncclInvalidUsage. The team queries are answered from the communicator (all
// of a native communicator's ranks share one host: the LSA team is the world).
#include "api.hpp"
#include "comm.hpp"

using namespace lccl;
using namespace lccl::nccl;

extern "C" {
// Layouts of nccl_device/core.h; the opaque ones are only passed by pointer.
struct ncclTeam {
  int nRanks, rank, stride;
};
struct ncclDevComm;
struct ncclDevCommRequirements;
struct ncclDevResourceRequirements;
struct ncclLsaBarrierHandle;
struct ncclGinBarrierHandle;
struct ncclLLA2AHandle;
}

namespace {

ncclResult_t unsupported(const char* call) {
  return fail(call, ncclInvalidUsage,
              "NCCL's device API (device communicators, GIN, LSA barriers) is not supported by "
              "lccl yet");
}

// The communicator, or nullptr (with the last error set) for a bad handle.
const ncclComm* teamComm(ncclComm_t comm, const char* call) {
  if (comm != nullptr && isLive(comm)) return comm;
  fail(call, ncclInvalidArgument, "comm is NULL or not a live communicator");
  return nullptr;
}

}  // namespace

LCCL_NCCL_API(ncclResult_t, ncclDevCommCreate, ncclComm_t comm, const ncclDevCommRequirements* reqs,
              ncclDevComm* outDevComm) {
  return guarded("ncclDevCommCreate", [&] {
    liveComm(comm, "ncclDevCommCreate");
    return unsupported("ncclDevCommCreate");
  });
}

LCCL_NCCL_API(ncclResult_t, ncclDevCommDestroy, ncclComm_t comm, const ncclDevComm* devComm) {
  return guarded("ncclDevCommDestroy", [&] {
    liveComm(comm, "ncclDevCommDestroy");
    return unsupported("ncclDevCommDestroy");
  });
}

LCCL_NCCL_API(ncclResult_t, ncclLsaBarrierCreateRequirement, ncclTeam team, int nBarriers,
              ncclLsaBarrierHandle* outHandle, ncclDevResourceRequirements* outReq) {
  return unsupported("ncclLsaBarrierCreateRequirement");
}

LCCL_NCCL_API(ncclResult_t, ncclGinBarrierCreateRequirement, ncclComm_t comm, ncclTeam team,
              int nBarriers, ncclGinBarrierHandle* outHandle, ncclDevResourceRequirements* outReq) {
  return unsupported("ncclGinBarrierCreateRequirement");
}

LCCL_NCCL_API(ncclResult_t, ncclLLA2ACreateRequirement, int nBlocks, int nSlots,
              ncclLLA2AHandle* outHandle, ncclDevResourceRequirements* outReq) {
  return unsupported("ncclLLA2ACreateRequirement");
}

// No LL all-to-all resources exist: zero slots.
LCCL_NCCL_API(int, ncclLLA2ACalcSlots, int maxElts, int maxEltSize) { return 0; }

LCCL_NCCL_API(ncclTeam, ncclTeamWorld, ncclComm_t comm) {
  const ncclComm* c = teamComm(comm, "ncclTeamWorld");
  return c ? ncclTeam{c->nranks, c->rank, 1} : ncclTeam{0, 0, 0};
}

LCCL_NCCL_API(ncclTeam, ncclTeamLsa, ncclComm_t comm) {
  const ncclComm* c = teamComm(comm, "ncclTeamLsa");
  return c ? ncclTeam{c->nranks, c->rank, 1} : ncclTeam{0, 0, 0};
}

LCCL_NCCL_API(ncclTeam, ncclTeamRail, ncclComm_t comm) {
  const ncclComm* c = teamComm(comm, "ncclTeamRail");
  return c ? ncclTeam{1, 0, c->nranks} : ncclTeam{0, 0, 0};
}

LCCL_NCCL_API(int, ncclTeamRankToWorld, ncclComm_t comm, ncclTeam team, int rank) {
  const ncclComm* c = teamComm(comm, "ncclTeamRankToWorld");
  return c ? c->rank + (rank - team.rank) * team.stride : -1;
}

LCCL_NCCL_API(int, ncclTeamRankToLsa, ncclComm_t comm, ncclTeam team, int rank) {
  const ncclComm* c = teamComm(comm, "ncclTeamRankToLsa");
  return c ? c->rank + (rank - team.rank) * team.stride : -1;
}
