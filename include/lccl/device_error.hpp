// lccl/device_error.hpp — how device code reports a stalled wait to the host.
//
// Each Communicator owns one DeviceErrorSlot in host-mapped pinned memory.
// Device waits are bounded (LCCL_DEVICE_WAIT_TIMEOUT_MS); when one expires it
// claims the slot (first writer wins), records who stalled, and raises `abort`
// so every other wait of that communicator returns at once instead of hanging.
// The host may also raise `abort` (to cancel work in flight). The host reads
// the slot after synchronizing, or at any time (Communicator::checkDeviceErrors).
#pragma once

#include <cstdint>

namespace lccl {

enum class DeviceErrorKind : uint32_t { None = 0, WaitTimeout = 1, PacketTimeout = 2, Aborted = 3,
                                      WindowMismatch = 4 };  // zero-copy call not symmetric

struct DeviceErrorSlot {
  volatile uint32_t abort;    // nonzero: every device wait returns false promptly
  uint32_t claimed;           // 0 until the first error is recorded (atomicCAS)
  uint32_t kind;              // DeviceErrorKind
  int32_t rank;               // rank whose wait stalled
  int32_t peer;               // peer it was waiting for
  uint32_t objectId;          // semaphore or channel id
  uint64_t expected;          // value waited for
  uint64_t observed;          // last value seen
  uint64_t waitedNs;          // how long it waited
};

}  // namespace lccl
