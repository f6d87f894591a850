// lccl/memory.hpp — device memory that peers can map.
//
// registerMemory() describes a buffer of this process (a cudaMalloc'ed range,
// a range of a cuMem/VMM allocation made with POSIX-fd handles, e.g. by
// lccl::gpuAllocShareable, or a host-mapped buffer) and makes it exportable.
// serialize() produces the bytes a peer needs; importing them on another
// process of the same host maps the buffer into that process.
//
// Lifetime rules:
//  - a local RegisteredMemory does not own the buffer; the caller keeps the
//    buffer alive while any peer may still access it (deregister = destroy the
//    last copy of the RegisteredMemory, after the peers are done);
//  - an imported RegisteredMemory owns the mapping; copies share it and the
//    mapping is released when the last copy goes away. Peer memory must not be
//    accessed by kernels after that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lccl {

enum class MemoryKind : uint32_t {
  Device = 1,     // cudaMalloc (exported with CUDA IPC handles)
  DeviceVmm = 2,  // cuMem VMM allocation with POSIX fd handles
  HostMapped = 3  // pinned, mapped host memory (same process only)
};
const char* memoryKindName(MemoryKind kind);

class RegisteredMemory {
 public:
  RegisteredMemory() = default;
  // Registers [ptr, ptr+bytes) of this process. `rank` is this rank (recorded
  // in the handle so errors can name the owner).
  static RegisteredMemory registerLocal(void* ptr, size_t bytes, int rank);
  // Maps a peer's serialized handle into this process. Throws
  // InvalidArgumentError on malformed bytes, InvalidUsageError when the memory
  // lives on another host, CudaError when mapping fails.
  static RegisteredMemory import(const std::vector<char>& bytes, int device);

  bool valid() const { return impl_ != nullptr; }
  void* data() const;       // address usable in this process (local or mapped)
  size_t size() const;
  int ownerRank() const;
  bool isLocal() const;     // registered by this process
  MemoryKind kind() const;
  const std::string& hostId() const;
  std::vector<char> serialize() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Allocates device memory made with cuMem VMM and POSIX-fd handles, rounded up
// to the allocation granularity, so peers can map it without CUDA IPC. Like
// ncclMemAlloc. Free with gpuFreeShareable.
void* gpuAllocShareable(size_t bytes);
void gpuFreeShareable(void* ptr);

}  // namespace lccl
