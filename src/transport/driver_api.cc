#include "driver_api.hpp"

#include <cuda_runtime.h>

#include <string>

#include "lccl/errors.hpp"

namespace lccl::detail {
namespace {

template <class Fn>
void load(Fn& fn, const char* symbol, unsigned version) {
  void* p = nullptr;
  cudaDriverEntryPointQueryResult q{};
  cudaError_t st = cudaGetDriverEntryPointByVersion(symbol, &p, version, cudaEnableDefault, &q);
  if (st != cudaSuccess || q != cudaDriverEntryPointSuccess || p == nullptr)
    throw CudaError(ErrorSite{"driver entry point"}, std::string("looking up ") + symbol,
                    st != cudaSuccess ? st : cudaErrorSymbolNotFound);
  fn = reinterpret_cast<Fn>(p);
}

}  // namespace

const DriverApi& DriverApi::get() {
  static const DriverApi api = [] {
    DriverApi a;
    load(a.memCreate, "cuMemCreate", 10020);
    load(a.memRelease, "cuMemRelease", 10020);
    load(a.memMap, "cuMemMap", 10020);
    load(a.memUnmap, "cuMemUnmap", 10020);
    load(a.memSetAccess, "cuMemSetAccess", 10020);
    load(a.memAddressReserve, "cuMemAddressReserve", 10020);
    load(a.memAddressFree, "cuMemAddressFree", 10020);
    load(a.memGetAllocationGranularity, "cuMemGetAllocationGranularity", 10020);
    load(a.memExportToShareableHandle, "cuMemExportToShareableHandle", 10020);
    load(a.memImportFromShareableHandle, "cuMemImportFromShareableHandle", 10020);
    load(a.memRetainAllocationHandle, "cuMemRetainAllocationHandle", 11000);
    load(a.memGetAllocationPropertiesFromHandle, "cuMemGetAllocationPropertiesFromHandle", 10020);
    load(a.memGetAddressRange, "cuMemGetAddressRange", 3020);
    load(a.getErrorString, "cuGetErrorString", 6000);
    return a;
  }();
  return api;
}

void checkDriver(CUresult status, const char* what) {
  if (status == CUDA_SUCCESS) return;
  const char* text = nullptr;
  if (DriverApi::get().getErrorString) DriverApi::get().getErrorString(status, &text);
  throw Error(ErrorCode::Cuda, ErrorSite{what},
              std::string("driver call failed: CUresult ") + std::to_string(status) + " (" +
                  (text ? text : "unknown") + ")");
}

}  // namespace lccl::detail
