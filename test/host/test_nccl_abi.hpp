// test_nccl_abi.hpp — the facts of nccl.h's binary interface, gathered in two
// translation units: one compiled against lccl's nccl.h, one against NVIDIA's
// reference header (when installed). The test compares them: signatures (as
// mangled type names), struct sizes and offsets, enumerator and macro values,
// and what NCCL_CONFIG_INITIALIZER / NCCL_SIM_INFO_INITIALIZER produce.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <typeinfo>

namespace lccl_test {

struct NcclAbi {
  std::map<std::string, std::string> signatures;  // function -> mangled pointer type
  std::map<std::string, long long> values;        // sizes, offsets, enumerators, macros
};

NcclAbi lcclNcclAbi();
bool referenceNcclAbi(NcclAbi* out);  // false where the reference header is absent

}  // namespace lccl_test

// Every function NCCL 2.28.9's nccl.h declares (test/nccl/reference_symbols.txt).
#define LCCL_NCCL_ABI_FUNCTIONS(X) \
  X(ncclAllGather) \
  X(ncclAllReduce) \
  X(ncclAlltoAll) \
  X(ncclBcast) \
  X(ncclBroadcast) \
  X(ncclCommAbort) \
  X(ncclCommCount) \
  X(ncclCommCuDevice) \
  X(ncclCommDeregister) \
  X(ncclCommDestroy) \
  X(ncclCommFinalize) \
  X(ncclCommGetAsyncError) \
  X(ncclCommInitAll) \
  X(ncclCommInitRank) \
  X(ncclCommInitRankConfig) \
  X(ncclCommInitRankScalable) \
  X(ncclCommRegister) \
  X(ncclCommRevoke) \
  X(ncclCommShrink) \
  X(ncclCommSplit) \
  X(ncclCommUserRank) \
  X(ncclCommWindowDeregister) \
  X(ncclCommWindowRegister) \
  X(ncclGather) \
  X(ncclGetErrorString) \
  X(ncclGetLastError) \
  X(ncclGetUniqueId) \
  X(ncclGetVersion) \
  X(ncclGroupEnd) \
  X(ncclGroupSimulateEnd) \
  X(ncclGroupStart) \
  X(ncclMemAlloc) \
  X(ncclMemFree) \
  X(ncclRecv) \
  X(ncclRedOpCreatePreMulSum) \
  X(ncclRedOpDestroy) \
  X(ncclReduce) \
  X(ncclReduceScatter) \
  X(ncclResetDebugInit) \
  X(ncclScatter) \
  X(ncclSend) \
  X(pncclAllGather) \
  X(pncclAllReduce) \
  X(pncclAlltoAll) \
  X(pncclBcast) \
  X(pncclBroadcast) \
  X(pncclCommAbort) \
  X(pncclCommCount) \
  X(pncclCommCuDevice) \
  X(pncclCommDeregister) \
  X(pncclCommDestroy) \
  X(pncclCommFinalize) \
  X(pncclCommGetAsyncError) \
  X(pncclCommInitAll) \
  X(pncclCommInitRank) \
  X(pncclCommInitRankConfig) \
  X(pncclCommInitRankScalable) \
  X(pncclCommRegister) \
  X(pncclCommRevoke) \
  X(pncclCommShrink) \
  X(pncclCommSplit) \
  X(pncclCommUserRank) \
  X(pncclCommWindowDeregister) \
  X(pncclCommWindowRegister) \
  X(pncclGather) \
  X(pncclGetErrorString) \
  X(pncclGetLastError) \
  X(pncclGetUniqueId) \
  X(pncclGetVersion) \
  X(pncclGroupEnd) \
  X(pncclGroupSimulateEnd) \
  X(pncclGroupStart) \
  X(pncclMemAlloc) \
  X(pncclMemFree) \
  X(pncclRecv) \
  X(pncclRedOpCreatePreMulSum) \
  X(pncclRedOpDestroy) \
  X(pncclReduce) \
  X(pncclReduceScatter) \
  X(pncclResetDebugInit) \
  X(pncclScatter) \
  X(pncclSend)

#define LCCL_NCCL_ABI_SIGNATURE(fn) abi.signatures[#fn] = typeid(decltype(&::fn)).name();
#define LCCL_NCCL_ABI_VALUE(expr) abi.values[#expr] = static_cast<long long>(expr);
#define LCCL_NCCL_ABI_CONFIG_FIELD(f) \
  LCCL_NCCL_ABI_VALUE(offsetof(ncclConfig_t, f)) LCCL_NCCL_ABI_VALUE(sizeof(((ncclConfig_t*)0)->f))

// The body of lcclNcclAbi() / referenceNcclAbi(): fills `abi` from whichever
// nccl.h the translation unit included.
#define LCCL_NCCL_ABI_COLLECT(abi)                                                           \
  do {                                                                                       \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdeprecated-declarations\"") \
    LCCL_NCCL_ABI_FUNCTIONS(LCCL_NCCL_ABI_SIGNATURE)                                          \
    _Pragma("GCC diagnostic pop")                                                             \
    LCCL_NCCL_ABI_VALUE(sizeof(ncclUniqueId)) LCCL_NCCL_ABI_VALUE(NCCL_UNIQUE_ID_BYTES)       \
    LCCL_NCCL_ABI_VALUE(sizeof(ncclConfig_t)) LCCL_NCCL_ABI_VALUE(sizeof(ncclSimInfo_t))      \
    LCCL_NCCL_ABI_VALUE(sizeof(ncclRedOp_t)) LCCL_NCCL_ABI_VALUE(sizeof(ncclDataType_t))      \
    LCCL_NCCL_ABI_VALUE(sizeof(ncclResult_t))                                                 \
    LCCL_NCCL_ABI_CONFIG_FIELD(size) LCCL_NCCL_ABI_CONFIG_FIELD(magic)                         \
    LCCL_NCCL_ABI_CONFIG_FIELD(version) LCCL_NCCL_ABI_CONFIG_FIELD(blocking)                   \
    LCCL_NCCL_ABI_CONFIG_FIELD(cgaClusterSize) LCCL_NCCL_ABI_CONFIG_FIELD(minCTAs)             \
    LCCL_NCCL_ABI_CONFIG_FIELD(maxCTAs) LCCL_NCCL_ABI_CONFIG_FIELD(netName)                    \
    LCCL_NCCL_ABI_CONFIG_FIELD(splitShare) LCCL_NCCL_ABI_CONFIG_FIELD(trafficClass)            \
    LCCL_NCCL_ABI_CONFIG_FIELD(commName) LCCL_NCCL_ABI_CONFIG_FIELD(collnetEnable)             \
    LCCL_NCCL_ABI_CONFIG_FIELD(CTAPolicy) LCCL_NCCL_ABI_CONFIG_FIELD(shrinkShare)              \
    LCCL_NCCL_ABI_CONFIG_FIELD(nvlsCTAs) LCCL_NCCL_ABI_CONFIG_FIELD(nChannelsPerNetPeer)       \
    LCCL_NCCL_ABI_CONFIG_FIELD(nvlinkCentricSched)                                            \
    LCCL_NCCL_ABI_VALUE(offsetof(ncclSimInfo_t, estimatedTime))                              \
    LCCL_NCCL_ABI_VALUE(ncclSuccess) LCCL_NCCL_ABI_VALUE(ncclUnhandledCudaError)              \
    LCCL_NCCL_ABI_VALUE(ncclSystemError) LCCL_NCCL_ABI_VALUE(ncclInternalError)               \
    LCCL_NCCL_ABI_VALUE(ncclInvalidArgument) LCCL_NCCL_ABI_VALUE(ncclInvalidUsage)            \
    LCCL_NCCL_ABI_VALUE(ncclRemoteError) LCCL_NCCL_ABI_VALUE(ncclInProgress)                  \
    LCCL_NCCL_ABI_VALUE(ncclNumResults)                                                       \
    LCCL_NCCL_ABI_VALUE(ncclSum) LCCL_NCCL_ABI_VALUE(ncclProd) LCCL_NCCL_ABI_VALUE(ncclMax)   \
    LCCL_NCCL_ABI_VALUE(ncclMin) LCCL_NCCL_ABI_VALUE(ncclAvg) LCCL_NCCL_ABI_VALUE(ncclNumOps) \
    LCCL_NCCL_ABI_VALUE(ncclMaxRedOp)                                                         \
    LCCL_NCCL_ABI_VALUE(ncclInt8) LCCL_NCCL_ABI_VALUE(ncclChar) LCCL_NCCL_ABI_VALUE(ncclUint8) \
    LCCL_NCCL_ABI_VALUE(ncclInt32) LCCL_NCCL_ABI_VALUE(ncclInt) LCCL_NCCL_ABI_VALUE(ncclUint32) \
    LCCL_NCCL_ABI_VALUE(ncclInt64) LCCL_NCCL_ABI_VALUE(ncclUint64)                            \
    LCCL_NCCL_ABI_VALUE(ncclFloat16) LCCL_NCCL_ABI_VALUE(ncclHalf)                            \
    LCCL_NCCL_ABI_VALUE(ncclFloat32) LCCL_NCCL_ABI_VALUE(ncclFloat)                           \
    LCCL_NCCL_ABI_VALUE(ncclFloat64) LCCL_NCCL_ABI_VALUE(ncclDouble)                          \
    LCCL_NCCL_ABI_VALUE(ncclBfloat16) LCCL_NCCL_ABI_VALUE(ncclFloat8e4m3)                     \
    LCCL_NCCL_ABI_VALUE(ncclFloat8e5m2) LCCL_NCCL_ABI_VALUE(ncclNumTypes)                     \
    LCCL_NCCL_ABI_VALUE(ncclScalarDevice) LCCL_NCCL_ABI_VALUE(ncclScalarHostImmediate)        \
    LCCL_NCCL_ABI_VALUE(NCCL_MAJOR) LCCL_NCCL_ABI_VALUE(NCCL_MINOR)                           \
    LCCL_NCCL_ABI_VALUE(NCCL_PATCH) LCCL_NCCL_ABI_VALUE(NCCL_VERSION_CODE)                    \
    LCCL_NCCL_ABI_VALUE(NCCL_VERSION(2, 8, 4)) LCCL_NCCL_ABI_VALUE(NCCL_VERSION(2, 28, 9))    \
    LCCL_NCCL_ABI_VALUE(NCCL_CONFIG_UNDEF_INT) LCCL_NCCL_ABI_VALUE(NCCL_SPLIT_NOCOLOR)        \
    LCCL_NCCL_ABI_VALUE(NCCL_WIN_DEFAULT) LCCL_NCCL_ABI_VALUE(NCCL_WIN_COLL_SYMMETRIC)        \
    LCCL_NCCL_ABI_VALUE(NCCL_WIN_REQUIRED_ALIGNMENT)                                          \
    LCCL_NCCL_ABI_VALUE(NCCL_CTA_POLICY_DEFAULT) LCCL_NCCL_ABI_VALUE(NCCL_CTA_POLICY_EFFICIENCY) \
    LCCL_NCCL_ABI_VALUE(NCCL_CTA_POLICY_ZERO) LCCL_NCCL_ABI_VALUE(NCCL_SHRINK_DEFAULT)         \
    LCCL_NCCL_ABI_VALUE(NCCL_SHRINK_ABORT) LCCL_NCCL_ABI_VALUE(NCCL_REVOKE_DEFAULT)            \
    {                                                                                         \
      ncclConfig_t c = NCCL_CONFIG_INITIALIZER;                                               \
      const int* ints = reinterpret_cast<const int*>(&c.blocking);                            \
      abi.values["initializer.size"] = static_cast<long long>(c.size);                        \
      abi.values["initializer.magic"] = c.magic;                                              \
      abi.values["initializer.version"] = c.version;                                          \
      for (int i = 0; i < 4; ++i) abi.values["initializer.int" + std::to_string(i)] = ints[i]; \
      abi.values["initializer.netName"] = c.netName != nullptr;                               \
      abi.values["initializer.commName"] = c.commName != nullptr;                             \
      abi.values["initializer.nvlinkCentricSched"] = c.nvlinkCentricSched;                    \
      ncclSimInfo_t s = NCCL_SIM_INFO_INITIALIZER;                                            \
      abi.values["siminfo.size"] = static_cast<long long>(s.size);                            \
      abi.values["siminfo.magic"] = s.magic;                                                  \
      abi.values["siminfo.version"] = s.version;                                              \
      abi.values["siminfo.estimatedTime"] = static_cast<long long>(s.estimatedTime * 1000);   \
    }                                                                                         \
  } while (0)
