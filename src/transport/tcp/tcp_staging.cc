// Pinned bounce buffers for TCP puts from and into GPU memory.
#include "tcp_staging.hpp"

#include <cstring>
#include <string>
#include <thread>

namespace lccl::detail {

bool isDeviceMemory(const void* ptr) {
  if (ptr == nullptr || gpuCount() == 0) return false;
  gpuPointerAttributes attr{};
  if (gpuPointerGetAttributes(&attr, ptr) != gpuSuccess) {
    (void)gpuGetLastError();  // unregistered host memory on old runtimes
    return false;
  }
  return attr.type == gpuMemoryTypeDevice;
}

TcpStaging::TcpStaging(size_t chunkBytes, bool hostOnly) : bytes_(chunkBytes), hostOnly_(hostOnly) {
  if (hostOnly_) {
    tx_ = new char[bytes_];
    rx_ = new char[bytes_];
    return;
  }
  void* tx = nullptr;
  void* rx = nullptr;
  LCCL_CUDA_CHECK(gpuHostAlloc(&tx, bytes_, gpuHostAllocDefault));
  tx_ = static_cast<char*>(tx);
  try {
    LCCL_CUDA_CHECK(gpuHostAlloc(&rx, bytes_, gpuHostAllocDefault));
    rx_ = static_cast<char*>(rx);
    LCCL_CUDA_CHECK(gpuStreamCreateWithFlags(&stream_, gpuStreamNonBlocking));
  } catch (...) {
    if (rx_) (void)gpuFreeHost(rx_);
    (void)gpuFreeHost(tx_);
    throw;
  }
}

TcpStaging::~TcpStaging() {
  if (hostOnly_) {
    delete[] tx_;
    delete[] rx_;
    return;
  }
  if (stream_) (void)gpuStreamDestroy(stream_);
  if (rx_) (void)gpuFreeHost(rx_);
  if (tx_) (void)gpuFreeHost(tx_);
}

void TcpStaging::copy(void* dst, const void* src, size_t n, const ErrorSite& site,
                      std::chrono::milliseconds timeout) {
  if (n == 0) return;
  if (hostOnly_) {
    std::memcpy(dst, src, n);
    return;
  }
  const std::string what = "staging copy of " + std::to_string(n) + " bytes";
  gpuError_t st = gpuMemcpyAsync(dst, src, n, gpuMemcpyDefault, stream_);
  if (st != gpuSuccess) throw CudaError(site, what, static_cast<int>(st));
  // Bounded wait: poll the stream instead of an unbounded synchronize.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (uint32_t polls = 0;; ++polls) {
    st = gpuStreamQuery(stream_);
    if (st == gpuSuccess) return;
    if (st != gpuErrorNotReady) throw CudaError(site, what, static_cast<int>(st));
    if (std::chrono::steady_clock::now() >= deadline)
      throw TimeoutError(site, what + " not finished within " + std::to_string(timeout.count()) +
                                   " ms (device stalled?)");
    if (polls >= 64) std::this_thread::yield();
  }
}

}  // namespace lccl::detail
