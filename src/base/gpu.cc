#include "lccl/gpu.hpp"

namespace lccl {

int gpuCount() noexcept {
  int n = 0;
  if (gpuGetDeviceCount(&n) != gpuSuccess) {
    (void)gpuGetLastError();  // clear the sticky "no device / no driver" error
    return 0;
  }
  return n;
}

}  // namespace lccl
