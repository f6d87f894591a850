// gpuAllocShareable: cuMem VMM allocations exportable as POSIX fds.
#include <map>
#include <mutex>

#include "driver_api.hpp"
#include "lccl/errors.hpp"
#include "lccl/gpu.hpp"
#include "lccl/memory.hpp"

namespace lccl {
namespace {

struct Allocation {
  CUmemGenericAllocationHandle handle;
  size_t size;
};

std::mutex& allocMutex() {
  static std::mutex mu;
  return mu;
}
std::map<void*, Allocation>& allocations() {
  static auto* m = new std::map<void*, Allocation>;
  return *m;
}

CUmemAllocationProp shareableProp(int device) {
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
  return prop;
}

}  // namespace

void* gpuAllocShareable(size_t bytes) {
  if (bytes == 0) throw InvalidArgumentError(ErrorSite{"gpuAllocShareable"}, "zero bytes");
  const auto& d = detail::DriverApi::get();
  int device = 0;
  LCCL_CUDA_CHECK(gpuGetDevice(&device));
  CUmemAllocationProp prop = shareableProp(device);
  size_t gran = 0;
  detail::checkDriver(d.memGetAllocationGranularity(&gran, &prop, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED),
                      "gpuAllocShareable: cuMemGetAllocationGranularity");
  size_t size = (bytes + gran - 1) / gran * gran;
  Allocation a{0, size};
  detail::checkDriver(d.memCreate(&a.handle, size, &prop, 0), "gpuAllocShareable: cuMemCreate");
  CUdeviceptr va = 0;
  CUresult st = d.memAddressReserve(&va, size, gran, 0, 0);
  if (st == CUDA_SUCCESS) st = d.memMap(va, size, 0, a.handle, 0);
  if (st == CUDA_SUCCESS) {
    CUmemAccessDesc access{};
    access.location = prop.location;
    access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    st = d.memSetAccess(va, size, &access, 1);
  }
  if (st != CUDA_SUCCESS) {
    if (va) d.memAddressFree(va, size);
    d.memRelease(a.handle);
    detail::checkDriver(st, "gpuAllocShareable: map");
  }
  std::lock_guard<std::mutex> lock(allocMutex());
  allocations()[reinterpret_cast<void*>(va)] = a;
  return reinterpret_cast<void*>(va);
}

void gpuFreeShareable(void* ptr) {
  if (ptr == nullptr) return;
  Allocation a{};
  {
    std::lock_guard<std::mutex> lock(allocMutex());
    auto it = allocations().find(ptr);
    if (it == allocations().end())
      throw InvalidArgumentError(ErrorSite{"gpuFreeShareable"},
                                 "pointer was not returned by gpuAllocShareable");
    a = it->second;
    allocations().erase(it);
  }
  (void)gpuDeviceSynchronize();  // no kernel may still use the range
  const auto& d = detail::DriverApi::get();
  auto va = reinterpret_cast<CUdeviceptr>(ptr);
  d.memUnmap(va, a.size);
  d.memAddressFree(va, a.size);
  d.memRelease(a.handle);
}

}  // namespace lccl
