// src/bootstrap/root.hpp — the bootstrap root (private).
//
// The root is a background thread of the process that created the id. It
// accepts one Hello per rank, validates it (wrong secret: the connection is
// closed; inconsistent rank/nranks: an error reply), and once all ranks have
// joined sends every rank the table of listen addresses and exits. If no new
// rank joins within its timeout it replies Timeout to the ranks that did join
// and exits. It is the only thread the bootstrap ever starts.
#pragma once

#include <chrono>
#include <cstdint>

#include "lccl/bootstrap.hpp"
#include "socket.hpp"

namespace lccl::boot {

// Binds a listener to `bindAddr` (port 0: any free port), starts the root
// thread and returns the id naming `advertise` (with the bound port) and
// `secret`. The root is registered in this process under that id.
UniqueId startRoot(const SockAddr& bindAddr, SockAddr advertise, const uint8_t* secret,
                   std::chrono::milliseconds timeout);

// If this process runs the root of `id`: with abort=false waits for it to
// finish (it is only sending tables by then); with abort=true stops it (the
// ranks still waiting get an error reply) and joins it. No-op otherwise.
void finishLocalRoot(const UniqueId& id, bool abort);

// Number of roots of this process whose thread is still running (tests).
int runningLocalRoots();

}  // namespace lccl::boot
