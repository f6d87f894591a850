// lccl/primitives/detail/payload.hpp — moving packet payloads to and from
// byte buffers of any alignment (host and device).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lccl/primitives/detail/macros.hpp"

namespace lccl {
namespace detail {

// Reads min(avail, sizeof(P)) bytes at p as a little-endian P (missing high
// bytes are zero). One aligned load when possible, else byte by byte.
template <class P>
LCCL_HOST_DEVICE P loadPayload(const char* p, size_t avail) {
  if (avail >= sizeof(P) && reinterpret_cast<uintptr_t>(p) % sizeof(P) == 0)
    return *reinterpret_cast<const P*>(p);
  const size_t n = avail < sizeof(P) ? avail : sizeof(P);
  P v = 0;
  for (size_t k = 0; k < n; ++k)
    v |= static_cast<P>(static_cast<unsigned char>(p[k])) << (8 * k);
  return v;
}

// Writes the low min(avail, sizeof(P)) bytes of v at p (little-endian).
template <class P>
LCCL_HOST_DEVICE void storePayload(char* p, P v, size_t avail) {
  if (avail >= sizeof(P) && reinterpret_cast<uintptr_t>(p) % sizeof(P) == 0) {
    *reinterpret_cast<P*>(p) = v;
    return;
  }
  const size_t n = avail < sizeof(P) ? avail : sizeof(P);
  for (size_t k = 0; k < n; ++k) p[k] = static_cast<char>((v >> (8 * k)) & 0xff);
}

}  // namespace detail
}  // namespace lccl
