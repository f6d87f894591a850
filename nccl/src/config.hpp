// config.hpp — reading ncclConfig_t from any NCCL version's header.
//
// The struct is versioned by its first fields (size, magic, version); newer
// headers append fields. readConfig() reads only the caller's `size` bytes, so
// a struct compiled against an older header is never read past its end.
#pragma once

#include <cstddef>
#include <string>

#include "nccl.h"

namespace lccl::nccl {

constexpr unsigned int kConfigMagic = 0xcafebeef;
// Bytes every version of the struct has: size, magic, version, blocking.
constexpr size_t kConfigMinBytes = offsetof(ncclConfig_t, blocking) + sizeof(int);

struct Config {
  bool given = false;    // the caller passed a config
  bool blocking = true;  // config.blocking (0 = non-blocking calls)
  std::string commName;  // config.commName, when set
  // Defaults of this header overlaid with the caller's first `size` bytes;
  // raw.size is the number of bytes taken from the caller. Handed on to a
  // fallback NCCL for delegated communicators.
  ncclConfig_t raw = NCCL_CONFIG_INITIALIZER;
};

// Reads `user` (NULL: defaults). Throws InvalidArgumentError naming `call` for
// a struct not initialised with NCCL_CONFIG_INITIALIZER, a size smaller than
// any NCCL version's, or an out-of-range field.
Config readConfig(const ncclConfig_t* user, const char* call);

}  // namespace lccl::nccl
