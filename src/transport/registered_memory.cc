// RegisteredMemory: export (CUDA IPC or cuMem POSIX fd), serialize, import.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>
#include <random>

#include "driver_api.hpp"
#include "host_id.hpp"
#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/logging.hpp"
#include "lccl/memory.hpp"
#include "lccl/serialize.hpp"

namespace lccl {
namespace {

constexpr uint32_t kMagic = 0x4d52434c;  // "LCRM"
constexpr uint16_t kVersion = 1;

// A peer allocation mapped into this process; shared by every import of it.
struct Mapping {
  void* base = nullptr;
  size_t size = 0;
  MemoryKind kind = MemoryKind::Device;
  CUmemGenericAllocationHandle vmmHandle = 0;
  ~Mapping();
};

Mapping::~Mapping() {
  if (base == nullptr) return;
  if (kind == MemoryKind::Device) {
    (void)gpuIpcCloseMemHandle(base);
  } else if (kind == MemoryKind::DeviceVmm) {
    const auto& d = detail::DriverApi::get();
    d.memUnmap(reinterpret_cast<CUdeviceptr>(base), size);
    d.memAddressFree(reinterpret_cast<CUdeviceptr>(base), size);
    d.memRelease(vmmHandle);
  }
}

// Process-wide cache: opening the same IPC handle twice fails, so every import
// of one peer allocation shares one Mapping.
struct MappingCache {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<Mapping>> entries;
  static MappingCache& get() {
    static auto* c = new MappingCache;
    return *c;
  }
};

uint64_t randomId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return rng();
}

}  // namespace

struct RegisteredMemory::Impl {
  void* data = nullptr;
  size_t size = 0;
  int ownerRank = -1;
  bool local = true;
  MemoryKind kind = MemoryKind::Device;
  std::string hostId;
  int32_t pid = 0;
  uint64_t exportId = 0;
  size_t offset = 0;     // data - allocation base
  size_t allocSize = 0;  // size of the whole allocation (mapping)
  gpuIpcMemHandle_t ipc{};
  int vmmFd = -1;        // exporter's fd (local registrations only)
  std::shared_ptr<Mapping> mapping;  // imports only

  ~Impl() {
    if (local && vmmFd >= 0) close(vmmFd);
  }
};

const char* memoryKindName(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::Device: return "device";
    case MemoryKind::DeviceVmm: return "device-vmm";
    case MemoryKind::HostMapped: return "host-mapped";
  }
  return "unknown";
}

static void describeDevicePointer(RegisteredMemory::Impl& m, void* ptr, size_t bytes) {
  const auto& d = detail::DriverApi::get();
  CUdeviceptr base = 0;
  size_t allocSize = 0;
  detail::checkDriver(d.memGetAddressRange(&base, &allocSize, reinterpret_cast<CUdeviceptr>(ptr)),
                      "registerMemory: cuMemGetAddressRange");
  m.offset = reinterpret_cast<uintptr_t>(ptr) - base;
  m.allocSize = allocSize;
  if (bytes > allocSize - m.offset)
    throw InvalidArgumentError(ErrorSite{"registerMemory", m.ownerRank},
                               "buffer of " + std::to_string(bytes) +
                                   " bytes extends past the end of its allocation (" +
                                   std::to_string(allocSize - m.offset) + " bytes left)");
  CUmemGenericAllocationHandle h = 0;
  if (d.memRetainAllocationHandle(&h, ptr) == CUDA_SUCCESS) {
    CUmemAllocationProp prop{};
    d.memGetAllocationPropertiesFromHandle(&prop, h);
    if (!(prop.requestedHandleTypes & CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR)) {
      d.memRelease(h);
      throw InvalidArgumentError(ErrorSite{"registerMemory", m.ownerRank},
                                 "cuMem allocation was made without POSIX file-descriptor "
                                 "handles; allocate it with lccl::gpuAllocShareable");
    }
    int fd = -1;
    CUresult st = d.memExportToShareableHandle(&fd, h, CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0);
    d.memRelease(h);
    detail::checkDriver(st, "registerMemory: cuMemExportToShareableHandle");
    m.kind = MemoryKind::DeviceVmm;
    m.vmmFd = fd;
  } else {
    m.kind = MemoryKind::Device;
    LCCL_CUDA_CHECK(gpuIpcGetMemHandle(&m.ipc, reinterpret_cast<void*>(base)));
  }
}

RegisteredMemory RegisteredMemory::registerLocal(void* ptr, size_t bytes, int rank) {
  if (ptr == nullptr || bytes == 0)
    throw InvalidArgumentError(ErrorSite{"registerMemory", rank},
                               ptr == nullptr ? "null buffer" : "zero-byte buffer");
  auto m = std::make_shared<Impl>();
  m->data = ptr;
  m->size = bytes;
  m->ownerRank = rank;
  m->hostId = detail::localHostId();
  m->pid = static_cast<int32_t>(getpid());
  m->exportId = randomId();
  cudaPointerAttributes attr{};
  LCCL_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr));
  if (attr.type == cudaMemoryTypeDevice) {
    describeDevicePointer(*m, ptr, bytes);
  } else if (attr.type == cudaMemoryTypeHost) {
    m->kind = MemoryKind::HostMapped;
    m->allocSize = bytes;
  } else {
    throw InvalidArgumentError(ErrorSite{"registerMemory", rank},
                               "pointer is neither device memory nor pinned host memory");
  }
  RegisteredMemory out;
  out.impl_ = std::move(m);
  return out;
}

std::vector<char> RegisteredMemory::serialize() const {
  if (!impl_) throw InvalidUsageError(ErrorSite{"RegisteredMemory.serialize"}, "empty handle");
  const Impl& m = *impl_;
  Writer w;
  w.put(kMagic).put(kVersion).put(static_cast<uint32_t>(m.kind)).put<int32_t>(m.ownerRank);
  w.putString(m.hostId).put(m.pid).put<uint64_t>(m.size).put<uint64_t>(m.offset);
  w.put<uint64_t>(m.allocSize).put(m.exportId).put<uint64_t>(reinterpret_cast<uintptr_t>(m.data));
  w.put(m.ipc).put<int32_t>(m.vmmFd);
  return w.take();
}

static std::shared_ptr<Mapping> openIpc(const RegisteredMemory::Impl& m) {
  auto map = std::make_shared<Mapping>();
  map->kind = MemoryKind::Device;
  map->size = m.allocSize;
  LCCL_CUDA_CHECK(gpuIpcOpenMemHandle(&map->base, m.ipc, gpuIpcMemLazyEnablePeerAccess));
  return map;
}

static int takePeerFd(int pid, int fd, int owner) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0)
    throw SystemError(ErrorSite{"RegisteredMemory.import", -1, owner},
                      "pidfd_open of the owner process " + std::to_string(pid), errno);
  int local = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  int err = errno;
  close(pidfd);
  if (local < 0)
    throw SystemError(ErrorSite{"RegisteredMemory.import", -1, owner},
                      "pidfd_getfd (needs ptrace permission over the owner process)", err);
  return local;
}

static std::shared_ptr<Mapping> openVmm(const RegisteredMemory::Impl& m, int device) {
  const auto& d = detail::DriverApi::get();
  auto map = std::make_shared<Mapping>();
  map->kind = MemoryKind::DeviceVmm;
  map->size = m.allocSize;
  int fd = takePeerFd(m.pid, m.vmmFd, m.ownerRank);
  CUresult st = d.memImportFromShareableHandle(&map->vmmHandle, reinterpret_cast<void*>(
                                                   static_cast<uintptr_t>(fd)),
                                               CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR);
  close(fd);
  detail::checkDriver(st, "RegisteredMemory.import: cuMemImportFromShareableHandle");
  CUdeviceptr va = 0;
  detail::checkDriver(d.memAddressReserve(&va, m.allocSize, 0, 0, 0), "cuMemAddressReserve");
  map->base = reinterpret_cast<void*>(va);
  detail::checkDriver(d.memMap(va, m.allocSize, 0, map->vmmHandle, 0), "cuMemMap");
  CUmemAccessDesc access{};
  access.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  access.location.id = device;
  access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  detail::checkDriver(d.memSetAccess(va, m.allocSize, &access, 1), "cuMemSetAccess");
  return map;
}

static void readWire(Reader& r, RegisteredMemory::Impl& m) {
  if (r.get<uint32_t>() != kMagic) r.fail("bad magic (not a registered-memory handle)");
  if (r.get<uint16_t>() != kVersion) r.fail("unsupported version");
  uint32_t kind = r.get<uint32_t>();
  if (kind < 1 || kind > 3) r.fail("unknown memory kind " + std::to_string(kind));
  m.kind = static_cast<MemoryKind>(kind);
  m.ownerRank = r.get<int32_t>();
  m.hostId = r.getString(1024);
  m.pid = r.get<int32_t>();
  m.size = r.get<uint64_t>();
  m.offset = r.get<uint64_t>();
  m.allocSize = r.get<uint64_t>();
  m.exportId = r.get<uint64_t>();
  m.data = reinterpret_cast<void*>(static_cast<uintptr_t>(r.get<uint64_t>()));
  m.ipc = r.get<gpuIpcMemHandle_t>();
  m.vmmFd = r.get<int32_t>();
  r.expectEnd();
  if (m.size == 0 || m.offset > m.allocSize || m.size > m.allocSize - m.offset)
    r.fail("range [" + std::to_string(m.offset) + ", +" + std::to_string(m.size) +
           ") outside an allocation of " + std::to_string(m.allocSize) + " bytes");
}

static std::shared_ptr<Mapping> mapShared(const RegisteredMemory::Impl& m, int device) {
  std::string key = m.hostId + "/" + std::to_string(m.pid) + "/" + std::to_string(m.exportId);
  auto& cache = MappingCache::get();
  std::lock_guard<std::mutex> lock(cache.mu);
  if (auto hit = cache.entries[key].lock()) return hit;
  auto map = m.kind == MemoryKind::Device ? openIpc(m) : openVmm(m, device);
  cache.entries[key] = map;
  return map;
}

RegisteredMemory RegisteredMemory::import(const std::vector<char>& bytes, int device) {
  auto m = std::make_shared<Impl>();
  Reader r(bytes, "registered-memory handle");
  readWire(r, *m);
  m->local = false;
  bool sameProcess = m->hostId == detail::localHostId() && m->pid == getpid();
  if (!sameProcess) {
    if (m->hostId != detail::localHostId())
      throw InvalidUsageError(ErrorSite{"RegisteredMemory.import", -1, m->ownerRank},
                              "memory lives on host '" + m->hostId +
                                  "', this process is on '" + detail::localHostId() +
                                  "': peer memory can only be mapped on the same host");
    if (m->kind == MemoryKind::HostMapped)
      throw InvalidUsageError(ErrorSite{"RegisteredMemory.import", -1, m->ownerRank},
                              "host-mapped memory cannot be mapped by another process");
    m->mapping = mapShared(*m, device);
    m->data = static_cast<char*>(m->mapping->base) + m->offset;
  }
  m->vmmFd = -1;
  RegisteredMemory out;
  out.impl_ = std::move(m);
  return out;
}

void* RegisteredMemory::data() const { return impl_ ? impl_->data : nullptr; }
size_t RegisteredMemory::size() const { return impl_ ? impl_->size : 0; }
int RegisteredMemory::ownerRank() const { return impl_ ? impl_->ownerRank : -1; }
bool RegisteredMemory::isLocal() const { return impl_ && impl_->local; }
MemoryKind RegisteredMemory::kind() const { return impl_ ? impl_->kind : MemoryKind::Device; }
const std::string& RegisteredMemory::hostId() const {
  static const std::string none;
  return impl_ ? impl_->hostId : none;
}

}  // namespace lccl
