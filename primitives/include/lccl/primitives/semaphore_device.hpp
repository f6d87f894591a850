// lccl/primitives/semaphore_device.hpp — the device side of a semaphore
// between two GPUs that can load/store each other's memory.
//
// Counting semaphore, one direction per end: each rank owns an `inbound`
// counter that only its peer writes. signal() bumps this rank's `outbound`
// count and stores the new value into the peer's inbound counter with ONE
// remote store (no remote read, no remote atomic); wait() bumps the local
// `expected` count and spins on the LOCAL inbound counter until it reaches it.
// Counters live in device memory, so counts carry over between kernel launches.
//
// Memory ordering (system scope, PTX memory model):
//   signal()         release: every read/write of the calling thread that
//                    precedes it — local or to peer memory, including put()s —
//                    happens-before everything after the peer's wait()/poll()
//                    that consumes this signal. Writes of other threads are
//                    covered once they are ordered before the signalling
//                    thread, e.g. by __syncthreads() (block) or a grid sync.
//   relaxedSignal()  no ordering: only the count is delivered. Use it when no
//                    data is published, or after MemoryChannel::flush() /
//                    __threadfence_system() (fence + relaxedSignal == signal).
//   wait()           acquire: returns true once one more signal than previously
//                    consumed has arrived; reads/writes after it see what the
//                    matching signal() released. Bounded (see wait_bound.hpp):
//                    false on timeout (recorded for the host) or abort.
//   poll()           non-blocking wait(): true (with acquire, consuming one
//                    signal) if a signal is pending, else false with no effect.
//
// Cost (measured on 4x H100 SXM, NVSwitch; ping-pong, one thread per side):
// relaxedSignal() -> wait() is about 0.8 us one way: one remote store plus the
// local poll. signal() adds the system-scope release fence (MEMBAR.SYS), about
// 1.5 us on H100, whatever is outstanding. So: publish once, signal many —
// to release data to several peers, fence once (MemoryChannel::flush() or
// __threadfence_system()) and then relaxedSignal() each peer; use
// relaxedSignal() alone when a signal publishes no data.
//
// Concurrency: signal()/relaxedSignal() on one semaphore must not run in two
// threads at the same time (the outbound count is read-modify-written, not
// atomically); the same holds for wait()/poll(). Different threads may take
// turns when ordered (e.g. thread 0 of successive kernels). A signaller and a
// waiter may run concurrently on the same end.
#pragma once

#include <cstdint>
#include <type_traits>

#include "lccl/primitives/detail/macros.hpp"
#include "lccl/primitives/wait_bound.hpp"

namespace lccl {

struct MemoryDevice2DeviceSemaphoreDeviceHandle {
  uint64_t* inbound = nullptr;        // local: signals received (written by the peer)
  uint64_t* outbound = nullptr;       // local: signals sent
  uint64_t* expected = nullptr;       // local: signals consumed by wait()/poll()
  uint64_t* remoteInbound = nullptr;  // the peer's inbound counter, mapped here
  DeviceWaitBound bound;              // rank/peer/id and timeout for wait()

#if LCCL_DEVICE_CODE
  __device__ void signal() const;
  __device__ void relaxedSignal() const;
  __device__ bool wait() const;
  __device__ bool poll() const;
#endif
};
static_assert(std::is_trivially_copyable_v<MemoryDevice2DeviceSemaphoreDeviceHandle>,
              "device handles are passed to kernels by value");

}  // namespace lccl

#if LCCL_DEVICE_CODE
#include "lccl/primitives/detail/semaphore_impl.hpp"
#endif
