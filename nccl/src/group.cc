#include "group.hpp"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "api.hpp"
#include "fallback.hpp"
#include "lccl/logging.hpp"

namespace lccl::nccl::group {
namespace {

struct Deferred {
  ncclComm* comm;
  std::function<void()> init;
};

struct State {
  int depth = 0;
  std::vector<ncclComm*> touched;  // native communicators whose group is open
  bool realStarted = false;        // the fallback NCCL's group is open
  std::vector<Deferred> inits;
};

thread_local State tls;

// First failure of a group, reported by its ncclGroupEnd.
struct Outcome {
  ncclResult_t result = ncclSuccess;
  std::string message;
  void record(ncclResult_t r, const std::string& m) {
    if (result != ncclSuccess) return;
    result = r;
    message = m;
  }
};

template <class Body>
void capture(Outcome& out, Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    out.record(resultOf(e.code()), e.what());
  } catch (const std::exception& e) {
    out.record(ncclInternalError, e.what());
  }
}

void runOne(Deferred& d, Outcome& out) {
  Outcome mine;
  capture(mine, d.init);
  if (mine.result == ncclSuccess) {
    d.comm->state = CommState::Ready;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(d.comm->mu);
    d.comm->asyncMessage = mine.message;
  }
  d.comm->initResult = mine.result;
  d.comm->asyncError = mine.result;
  d.comm->state = CommState::Failed;
  out.record(mine.result, mine.message);
}

// Each initialisation blocks until its peers arrive: run them side by side.
void runInits(std::vector<Deferred>& inits, Outcome& out) {
  if (inits.size() == 1) return runOne(inits[0], out);
  std::vector<Outcome> outs(inits.size());
  std::vector<std::thread> threads;
  threads.reserve(inits.size());
  for (size_t i = 0; i < inits.size(); ++i)
    threads.emplace_back([&, i] { runOne(inits[i], outs[i]); });
  for (auto& t : threads) t.join();
  for (auto& o : outs) out.record(o.result, o.message);
}

}  // namespace

bool active() { return tls.depth > 0; }

void touch(ncclComm& comm) {
  if (tls.depth == 0) return;
  if (delegated(comm)) {
    if (tls.realStarted) return;
    const RealNccl* lib = loadedFallback();
    lib->check(lib->ncclGroupStart(), "ncclGroupStart", nullptr);
    tls.realStarted = true;
    return;
  }
  if (std::find(tls.touched.begin(), tls.touched.end(), &comm) != tls.touched.end()) return;
  comm.coll->groupStart();
  tls.touched.push_back(&comm);
}

void defer(ncclComm* comm, std::function<void()> init) {
  tls.inits.push_back(Deferred{comm, std::move(init)});
}

}  // namespace lccl::nccl::group

using namespace lccl;
using namespace lccl::nccl;

LCCL_NCCL_API(ncclResult_t, ncclGroupStart, void) {
  ++group::tls.depth;
  return ncclSuccess;
}

LCCL_NCCL_API(ncclResult_t, ncclGroupEnd, void) {
  return guarded("ncclGroupEnd", [&] {
    auto& tls = group::tls;
    if (tls.depth == 0)
      throw InvalidUsageError(ErrorSite{"ncclGroupEnd"}, "no matching ncclGroupStart");
    if (--tls.depth > 0) return ncclSuccess;
    group::State s = std::move(tls);
    tls = group::State{};
    group::Outcome out;
    if (!s.inits.empty()) group::runInits(s.inits, out);
    for (ncclComm* c : s.touched) {
      if (!isLive(c)) continue;
      group::capture(out, [&] {
        DeviceGuard guard(c->device);
        c->coll->groupEnd();
      });
    }
    ncclResult_t realResult = ncclSuccess;
    if (s.realStarted) {
      const RealNccl* lib = loadedFallback();
      realResult = lib->ncclGroupEnd();
      group::capture(out, [&] { lib->check(realResult, "ncclGroupEnd", nullptr); });
    }
    if (out.result != ncclSuccess) return fail("ncclGroupEnd", out.result, out.message);
    return realResult;  // ncclInProgress from a non-blocking fallback communicator
  });
}

LCCL_NCCL_API(ncclResult_t, ncclGroupSimulateEnd, ncclSimInfo_t* simInfo) {
  return guarded("ncclGroupSimulateEnd", [&]() -> ncclResult_t {
    if (simInfo == nullptr)
      throw InvalidArgumentError(ErrorSite{"ncclGroupSimulateEnd"}, "simInfo is NULL");
    if (simInfo->magic != 0x74685283u)
      throw InvalidArgumentError(ErrorSite{"ncclGroupSimulateEnd"},
                                 "simInfo was not initialised with NCCL_SIM_INFO_INITIALIZER");
    throw InvalidUsageError(ErrorSite{"ncclGroupSimulateEnd"},
                            "simulation is not supported by lccl; the group stays open (end it "
                            "with ncclGroupEnd)");
  });
}
