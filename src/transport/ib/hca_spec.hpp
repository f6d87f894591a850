// src/transport/ib/hca_spec.hpp — which InfiniBand devices/ports to use.
//
// LCCL_IB_HCA (alias NCCL_IB_HCA) in NCCL's syntax:
//   "mlx5_0:1,mlx5_1"  use port 1 of devices named mlx5_0*, any port of mlx5_1*
//   "^mlx5_2"          use every device except those named mlx5_2*
//   "=mlx5_1"          exact names only (mlx5_1 but not mlx5_10)
//   "^=mlx5_1:1"       exclude exactly port 1 of mlx5_1
//   ""                 every device and port
// Names match as prefixes unless '=' is given. Empty items are ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lccl::detail {

struct HcaFilter {
  std::string name;
  int port = -1;  // -1: any port
};

struct HcaSpec {
  bool exclude = false;  // '^': the listed devices are the ones NOT to use
  bool exact = false;    // '=': names must match exactly (else prefix)
  std::vector<HcaFilter> filters;
};

// Throws InvalidArgumentError naming the variable on a malformed spec (empty
// device name, port not in 1..255).
HcaSpec parseHcaSpec(std::string_view text);
// Whether port `port` of device `device` may be used under `spec`.
bool hcaSelected(const HcaSpec& spec, const std::string& device, int port);

}  // namespace lccl::detail
