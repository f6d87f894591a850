// Driver-API entry points, fetched through the CUDA runtime at first use so
// that no lccl library links libcuda (CPU-only hosts load lccl fine).
#pragma once

#include <cuda.h>

namespace lccl::detail {

struct DriverApi {
  decltype(&::cuMemCreate) memCreate = nullptr;
  decltype(&::cuMemRelease) memRelease = nullptr;
  decltype(&::cuMemMap) memMap = nullptr;
  decltype(&::cuMemUnmap) memUnmap = nullptr;
  decltype(&::cuMemSetAccess) memSetAccess = nullptr;
  decltype(&::cuMemAddressReserve) memAddressReserve = nullptr;
  decltype(&::cuMemAddressFree) memAddressFree = nullptr;
  decltype(&::cuMemGetAllocationGranularity) memGetAllocationGranularity = nullptr;
  decltype(&::cuMemExportToShareableHandle) memExportToShareableHandle = nullptr;
  decltype(&::cuMemImportFromShareableHandle) memImportFromShareableHandle = nullptr;
  decltype(&::cuMemRetainAllocationHandle) memRetainAllocationHandle = nullptr;
  decltype(&::cuMemGetAllocationPropertiesFromHandle) memGetAllocationPropertiesFromHandle = nullptr;
  decltype(&::cuMemGetAddressRange_v2) memGetAddressRange = nullptr;
  decltype(&::cuGetErrorString) getErrorString = nullptr;

  // Throws CudaError when the driver is missing or an entry point is absent.
  static const DriverApi& get();
};

// Throws CudaError naming `what` when `status` is not CUDA_SUCCESS.
void checkDriver(CUresult status, const char* what);

}  // namespace lccl::detail
