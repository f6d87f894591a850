// Host identity: ranks with equal host ids share a host (and may map each
// other's GPU memory). hostname + kernel boot id, or LCCL_HOST_ID.
#pragma once

#include <string>

namespace lccl::detail {
const std::string& localHostId();
}  // namespace lccl::detail
