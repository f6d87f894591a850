#include "config.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "lccl/errors.hpp"

namespace lccl::nccl {
namespace {

// Whether the caller's struct of `bytes` bytes contains the field at [offset, offset+size).
bool has(size_t bytes, size_t offset, size_t size) { return offset + size <= bytes; }

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%x", v);
  return buf;
}

}  // namespace

Config readConfig(const ncclConfig_t* user, const char* call) {
  Config c;
  if (user == nullptr) return c;
  ErrorSite site{call};
  // size and magic lie in every version's struct: reading them is always safe.
  if (user->magic != kConfigMagic)
    throw InvalidArgumentError(site, "config was not initialised with NCCL_CONFIG_INITIALIZER "
                                     "(magic " + hex(user->magic) + ", expected " +
                                         hex(kConfigMagic) + ")");
  if (user->size < kConfigMinBytes)
    throw InvalidArgumentError(site, "config size " + std::to_string(user->size) +
                                         " is smaller than any NCCL version's ncclConfig_t");
  const size_t bytes = std::min(user->size, sizeof(ncclConfig_t));
  std::memcpy(&c.raw, user, bytes);
  c.raw.size = bytes;
  c.given = true;
  if (c.raw.blocking != NCCL_CONFIG_UNDEF_INT) {
    if (c.raw.blocking != 0 && c.raw.blocking != 1)
      throw InvalidArgumentError(site, "config.blocking must be 0 or 1, not " +
                                           std::to_string(c.raw.blocking));
    c.blocking = c.raw.blocking == 1;
  }
  if (has(bytes, offsetof(ncclConfig_t, commName), sizeof(const char*)) &&
      c.raw.commName != nullptr)
    c.commName.assign(c.raw.commName, strnlen(c.raw.commName, 256));
  return c;
}

}  // namespace lccl::nccl
