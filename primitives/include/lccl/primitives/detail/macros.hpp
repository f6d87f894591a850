// lccl/primitives/detail/macros.hpp — function qualifiers shared by the layer.
//
// Public headers of this layer are included by host-only translation units
// (plain g++) as well as by CUDA/HIP ones. Device-only code sits under
// `#if LCCL_DEVICE_CODE`; code that runs on both sides uses LCCL_HOST_DEVICE.
#pragma once

#if defined(__CUDACC__) || defined(__HIPCC__)
#define LCCL_DEVICE_CODE 1
#define LCCL_DEVICE __device__ __forceinline__
#define LCCL_HOST_DEVICE __host__ __device__ __forceinline__
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
#define LCCL_UNROLL _Pragma("unroll")
#else
#define LCCL_UNROLL
#endif
// Host/device templates instantiated with device-only policies (the copy
// algorithm with DeviceCopyAccess) must not be checked for host callability.
#define LCCL_EXEC_CHECK_DISABLE _Pragma("nv_exec_check_disable")
#else
#define LCCL_DEVICE_CODE 0
#define LCCL_HOST_DEVICE inline
#define LCCL_UNROLL
#define LCCL_EXEC_CHECK_DISABLE
#endif
