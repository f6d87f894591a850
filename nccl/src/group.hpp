// group.hpp — ncclGroupStart/End: per-thread nesting, the communicators a
// group touched, and communicator initialisations deferred to its end.
//
// Inside a group, the first operation on a native communicator calls its
// Collectives::groupStart() (a delegated one: the fallback NCCL's
// ncclGroupStart, once per group); the outermost ncclGroupEnd first runs the
// deferred initialisations (concurrently: one thread per communicator, so a
// single thread can create every rank of a clique), then ends the group on
// every communicator it touched.
#pragma once

#include <functional>

#include "comm.hpp"

namespace lccl::nccl::group {

bool active();  // inside ncclGroupStart/End on this thread
void touch(ncclComm& comm);
// Runs `init` for `comm` (state Pending) at the outermost ncclGroupEnd.
void defer(ncclComm* comm, std::function<void()> init);

}  // namespace lccl::nccl::group
