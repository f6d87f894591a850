// lccl/primitives/packet.hpp — LL ("low latency") packets: data and flag
// written by one store, so a reader that sees the flag sees the data. No
// separate signal is needed; the flag is the signal.
//
//   LL16Packet (16 B, 16-byte aligned): { data0, flag, data1, flag } — 8 data
//     bytes, written by one st.volatile.v4.u32, read by ld.volatile.v4.u32
//     until both flag words equal the expected flag.
//   LL8Packet  (8 B, 8-byte aligned):   { data, flag } — 4 data bytes, written
//     by one 64-bit st.volatile, read by one 64-bit ld.volatile.
//
// Payloads are little-endian: data byte k of a packet is bits [8k, 8k+8) of
// its Payload (LL16: data0 holds bytes 0..3, data1 bytes 4..7).
//
// Flags: the reader waits for an exact flag value, so every round of writes to
// one packet slot must use a flag the slot does not hold yet (e.g. a round
// counter starting at 1 in a zero-initialised buffer). A slot may be rewritten
// only once its reader has consumed it (ordered by the caller's own protocol).
//
// Memory ordering: a packet write publishes only its own data (no release of
// other writes); a successful read gives that packet's data (no acquire of
// other memory). Reads are bounded like semaphore waits (wait_bound.hpp) and
// report DeviceErrorKind::PacketTimeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lccl/primitives/detail/macros.hpp"
#include "lccl/primitives/wait_bound.hpp"

namespace lccl {

struct alignas(16) LL16Packet {
  using Payload = uint64_t;
  static constexpr uint32_t kDataBytes = 8;

  uint32_t data0;
  uint32_t flag0;
  uint32_t data1;
  uint32_t flag1;

#if LCCL_DEVICE_CODE
  // Writes data and flag with one 16-byte store.
  __device__ void write(Payload value, uint32_t flagValue);
  // One attempt: true (and `value` set) if both flag words equal flagValue.
  __device__ bool poll(uint32_t flagValue, Payload& value) const;
  // Spins until poll() succeeds; false on timeout (recorded) or abort.
  __device__ bool read(uint32_t flagValue, Payload& value, const DeviceWaitBound& bound) const;
#endif
};

struct alignas(8) LL8Packet {
  using Payload = uint32_t;
  static constexpr uint32_t kDataBytes = 4;

  uint32_t data;
  uint32_t flag;

#if LCCL_DEVICE_CODE
  __device__ void write(Payload value, uint32_t flagValue);
  __device__ bool poll(uint32_t flagValue, Payload& value) const;
  __device__ bool read(uint32_t flagValue, Payload& value, const DeviceWaitBound& bound) const;
#endif
};

static_assert(sizeof(LL16Packet) == 16 && alignof(LL16Packet) == 16, "LL16Packet layout");
static_assert(sizeof(LL8Packet) == 8 && alignof(LL8Packet) == 8, "LL8Packet layout");
static_assert(std::is_trivially_copyable_v<LL16Packet> && std::is_trivially_copyable_v<LL8Packet>,
              "packets are plain memory");

// Packets carrying `dataBytes` bytes (the last one may be partly used).
template <class Packet>
LCCL_HOST_DEVICE constexpr size_t packetCount(size_t dataBytes) {
  return (dataBytes + Packet::kDataBytes - 1) / Packet::kDataBytes;
}
// Packet-buffer bytes for `dataBytes` bytes of data: twice the data, rounded
// up to whole packets (16 per 8 data bytes for LL16, 8 per 4 for LL8).
template <class Packet>
LCCL_HOST_DEVICE constexpr size_t packetBufferBytes(size_t dataBytes) {
  return packetCount<Packet>(dataBytes) * sizeof(Packet);
}

}  // namespace lccl

#include "lccl/primitives/detail/payload.hpp"
#if LCCL_DEVICE_CODE
#include "lccl/primitives/detail/packet_impl.hpp"
#endif
