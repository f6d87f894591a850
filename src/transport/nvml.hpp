// A few NVML calls, loaded with dlopen (libnvidia-ml.so.1) when present.
#pragma once

#include <string>

namespace lccl::detail {

enum class NvLinkPeer { Unknown, Direct, Switch, None };

// How the GPU with PCI bus id `busId` reaches `peerBusId` over NVLink:
// Direct (a link to it), Switch (both GPUs have active links to NVSwitches),
// None (no NVLink path), Unknown (NVML unavailable).
NvLinkPeer nvlinkBetween(const std::string& busId, const std::string& peerBusId);

}  // namespace lccl::detail
