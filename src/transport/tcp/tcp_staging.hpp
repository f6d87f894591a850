// src/transport/tcp/tcp_staging.hpp — moving GPU regions through a TCP socket.
//
// A socket reads and writes host memory, so a put from a GPU region is
// staged: chunk by chunk, cudaMemcpyAsync(device -> pinned tx buffer) on a
// proxy-owned non-blocking stream, wait for it, send the chunk. The receiver
// reads each chunk into a pinned rx buffer and copies it to the GPU region
// the same way, waiting for the copy before it reads the next bytes of the
// socket. A signal that follows a put is therefore applied only after every
// byte of the put is in GPU memory (the ordering contract of port channels).
//
// The stream is non-blocking: it never waits for work on the legacy default
// stream (where a kernel may be spinning on the very signal this copy
// precedes). It still needs the CUDA context: while another thread holds it
// waiting for the device (the first launch of a lazily loaded kernel,
// cudaDeviceSynchronize, ...) and a kernel spins on this copy's signal, the
// copy cannot even be enqueued until that kernel's device wait times out.
// Users that spin on port transfers of GPU memory over TCP keep such calls
// off the device meanwhile; the hierarchical collectives avoid the copies
// altogether (host-mapped buffers, collectives/src/hierarchical.hpp).
#pragma once

#include <chrono>
#include <cstddef>

#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"

namespace lccl::detail {

// True when `ptr` is GPU memory (cudaMalloc, cuMem); false for host memory,
// including on machines without a GPU runtime.
bool isDeviceMemory(const void* ptr);

class TcpStaging {
 public:
  // Allocates two pinned buffers of `chunkBytes` and a stream on the current
  // device. hostOnly (tests without a GPU): plain buffers, copy = memcpy.
  explicit TcpStaging(size_t chunkBytes, bool hostOnly = false);
  ~TcpStaging();
  TcpStaging(const TcpStaging&) = delete;
  TcpStaging& operator=(const TcpStaging&) = delete;

  size_t chunkBytes() const { return bytes_; }
  char* tx() const { return tx_; }
  char* rx() const { return rx_; }
  // Copies n bytes (device <-> pinned host) on the staging stream and waits
  // at most `timeout` for it (TimeoutError naming `site`'s rank and peer).
  void copy(void* dst, const void* src, size_t n, const ErrorSite& site,
            std::chrono::milliseconds timeout);

 private:
  size_t bytes_ = 0;
  char* tx_ = nullptr;
  char* rx_ = nullptr;
  gpuStream_t stream_ = nullptr;
  bool hostOnly_ = false;
};

}  // namespace lccl::detail
