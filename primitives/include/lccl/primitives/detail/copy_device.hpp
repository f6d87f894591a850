// lccl/primitives/detail/copy_device.hpp — the device instance of the copy
// algorithm (detail/copy.hpp): deviceCopy() is what put/get run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/detail/copy.hpp"

namespace lccl {
namespace detail {

template <uint32_t W> struct VectorOf;
template <> struct VectorOf<16> { using type = uint4; };
template <> struct VectorOf<8> { using type = uint64_t; };
template <> struct VectorOf<4> { using type = uint32_t; };
template <> struct VectorOf<2> { using type = uint16_t; };
template <> struct VectorOf<1> { using type = uint8_t; };

// Weak (plain) accesses; 16-byte vectors use ld/st.global.v4 explicitly.
struct DeviceCopyAccess {
  template <uint32_t W>
  using Vector = typename VectorOf<W>::type;

  template <uint32_t W>
  LCCL_DEVICE static Vector<W> load(const char* p) {
    if constexpr (W == 16) return arch::loadGlobal128(reinterpret_cast<const uint4*>(p));
    else return *reinterpret_cast<const Vector<W>*>(p);
  }
  template <uint32_t W>
  LCCL_DEVICE static void store(char* p, Vector<W> v) {
    if constexpr (W == 16) arch::storeGlobal128(reinterpret_cast<uint4*>(p), v);
    else *reinterpret_cast<Vector<W>*>(p) = v;
  }
};

// Thread `threadId` of a group of `numThreads` copies its share of
// [src, src+bytes) to [dst, dst+bytes). The ranges must not overlap. No
// ordering: publish with a release (signal) or a fence.
LCCL_DEVICE void deviceCopy(void* dst, const void* src, size_t bytes, uint32_t threadId,
                            uint32_t numThreads) {
  copyCooperative<DeviceCopyAccess>(dst, src, bytes, threadId, numThreads);
}

}  // namespace detail
}  // namespace lccl
