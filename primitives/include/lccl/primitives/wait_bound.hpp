// lccl/primitives/wait_bound.hpp — what a bounded device wait needs to know.
//
// Every spinning wait of this layer (semaphore wait, LL packet read) is
// bounded. It polls; every detail::kSpinsPerCheck polls it reads the GPU
// global timer and the communicator's DeviceErrorSlot:
//  - `abort` raised (by another wait that timed out, or by the host through
//    Communicator::abortDeviceWaits): the wait returns false at once;
//  - waited longer than `timeoutNs` (LCCL_DEVICE_WAIT_TIMEOUT_MS): the wait
//    claims the slot (first claimer wins), records kind/rank/peer/objectId/
//    expected/observed/waitedNs, raises `abort` and returns false.
// The host then sees the error through Communicator::checkDeviceErrors().
// The time is measured from the first check, i.e. it excludes the first
// kSpinsPerCheck polls (well under a millisecond).
#pragma once

#include <cstdint>
#include <type_traits>

#include "lccl/device_error.hpp"

namespace lccl {

struct DeviceWaitBound {
  DeviceErrorSlot* slot = nullptr;  // device address of the slot; nullptr: no abort/no report
  uint64_t timeoutNs = 0;           // 0: never time out (abort still honoured)
  int32_t rank = -1;                // this rank (recorded on timeout)
  int32_t peer = -1;                // the rank this wait depends on
  uint32_t objectId = 0;            // semaphore id (same number on both ranks)
  uint32_t reserved = 0;
};
static_assert(std::is_trivially_copyable_v<DeviceWaitBound>, "DeviceWaitBound is passed to kernels");

}  // namespace lccl
