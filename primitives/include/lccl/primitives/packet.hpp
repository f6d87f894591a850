// lccl/primitives/packet.hpp — LL ("low latency") packets: data and flag
// written by one store, so a reader that sees the flag sees the data. No
// separate signal is needed; the flag is the signal. LL128 (below) extends
// this to 128-byte lines written by 8 threads at once.
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

// ---- LL128: a warp's unit of four 128-byte lines -----------------------------
// A line is 8 lanes of 16 bytes; lane 7 carries 8 data bytes and the flag
// (its two high words), so a line carries 120 data bytes. A warp writes four
// lines (a 512-byte unit, 480 data bytes) with one 16-byte store per thread
// (thread t -> lane t % 8 of line t / 8) and reads them the same way. The
// reader checks only the flag lane of each line: it relies on the GPU
// delivering the 128-byte aligned store of 8 consecutive threads of one
// warp instruction, and serving a 128-byte aligned load likewise, as one
// unit, over NVLink and within a GPU (NVIDIA GPUs since Volta; NCCL's LL128
// protocol rests on the same property). So the data is 94% of the bytes
// moved (LL16: 50%).
//
// Data layout of a unit: thread t carries data bytes
// [ll128DataOffset(t), +ll128DataBytes(t)): lanes 0-6 of line l the 16 bytes
// at (7l + lane) x 16, lane 7 of line l the 8 bytes at 448 + 8l. Every
// 16-byte piece is 16-byte aligned in the unit's data, every 8-byte piece
// 8-byte aligned, and units follow each other in the data (unit u at 480u).
//
// Flags and reuse: as for LL16 (each round of writes uses a flag the unit does
// not hold yet; rewrite only after the reader consumed it). Ordering: a unit
// publishes only its own data.
struct LL128 {
  static constexpr uint32_t kLineBytes = 128;
  static constexpr uint32_t kLineDataBytes = 120;
  static constexpr uint32_t kUnitBytes = 512;      // one warp's four lines
  static constexpr uint32_t kUnitDataBytes = 480;
  LCCL_HOST_DEVICE static constexpr bool flagLane(uint32_t t) { return (t & 7u) == 7u; }
  LCCL_HOST_DEVICE static constexpr uint32_t dataOffset(uint32_t t) {
    return flagLane(t) ? 448u + (t >> 3) * 8u : ((t >> 3) * 7u + (t & 7u)) * 16u;
  }
  LCCL_HOST_DEVICE static constexpr uint32_t dataBytes(uint32_t t) { return flagLane(t) ? 8u : 16u; }
};

// Units carrying `dataBytes` bytes, and the buffer they occupy.
LCCL_HOST_DEVICE constexpr size_t ll128Units(size_t dataBytes) {
  return (dataBytes + LL128::kUnitDataBytes - 1) / LL128::kUnitDataBytes;
}
LCCL_HOST_DEVICE constexpr size_t ll128BufferBytes(size_t dataBytes) {
  return ll128Units(dataBytes) * LL128::kUnitBytes;
}

#if LCCL_DEVICE_CODE
// Warp-collective (all 32 threads, converged, same `unit`, 512-byte aligned):
// thread t writes `v` as lane t of the unit (the flag lane's data in v.x,
// v.y; the flag goes to v.z, v.w).
__device__ void ll128Write(void* unit, uint4 v, uint32_t flag);
// Warp-collective: waits (bounded) until every line of the unit carries
// `flag` and gives thread t its lane (flag lanes: data in x, y). False for
// the whole warp on timeout (recorded) or abort.
__device__ bool ll128Read(const void* unit, uint32_t flag, uint4& v, const DeviceWaitBound& bound);
#endif

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
