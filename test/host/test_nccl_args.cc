// The C boundary of libnccl.so.2 without a GPU: argument checks, error
// reporting, groups, configs, unique ids and init failures — every error is a
// result code with a message, never a crash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "test_nccl_lib.hpp"

namespace {

bool haveGpu() {
  // The test process links its own CUDA runtime; a GPU-less host reports none.
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

TEST(NcclArgs, NullCommIsInvalidArgumentWithMessage) {
  float* buf = reinterpret_cast<float*>(0x1000);
  EXPECT_EQ(NCCL(ncclAllReduce)(buf, buf, 4, ncclFloat, ncclSum, nullptr, nullptr),
            ncclInvalidArgument);
  std::string msg = NCCL_LAST_ERROR();
  EXPECT_TRUE(contains(msg, "ncclAllReduce")) << msg;
  EXPECT_TRUE(contains(msg, "comm is NULL")) << msg;
}

TEST(NcclArgs, BadDatatypeOrOpOnNullCommIsAnErrorNotACrash) {
  EXPECT_EQ(NCCL(ncclAllReduce)(nullptr, nullptr, 4, static_cast<ncclDataType_t>(99), ncclSum,
                                nullptr, nullptr),
            ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclAllReduce)(nullptr, nullptr, 4, ncclFloat, static_cast<ncclRedOp_t>(-3),
                                nullptr, nullptr),
            ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclReduce)(nullptr, nullptr, 1, static_cast<ncclDataType_t>(-1),
                             static_cast<ncclRedOp_t>(1000), 0, nullptr, nullptr),
            ncclInvalidArgument);
  EXPECT_FALSE(NCCL_LAST_ERROR().empty());
}

TEST(NcclArgs, EveryCollectiveRejectsNullComm) {
  void* b = reinterpret_cast<void*>(0x1000);
  EXPECT_EQ(NCCL(ncclAllGather)(b, b, 1, ncclInt, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclReduceScatter)(b, b, 1, ncclInt, ncclMax, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclBroadcast)(b, b, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclBcast)(b, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclReduce)(b, b, 1, ncclInt, ncclMin, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclAlltoAll)(b, b, 1, ncclInt, nullptr, nullptr), ncclInvalidArgument);
  auto allToAll = ::lccl_test::ncclSym<decltype(&::ncclAlltoAll)>("ncclAllToAll");  // RCCL's spelling
  ASSERT_NE(allToAll, nullptr);
  EXPECT_EQ(allToAll(b, b, 1, ncclInt, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclGather)(b, b, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclScatter)(b, b, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclSend)(b, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclRecv)(b, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "ncclRecv"));
}

TEST(NcclArgs, ForeignHandleIsRejectedWithoutBeingRead) {
  // A PROT_NONE page: reading the "communicator" would crash the test.
  void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  auto comm = static_cast<ncclComm_t>(page);
  int n = 0;
  EXPECT_EQ(NCCL(ncclCommCount)(comm, &n), ncclInvalidArgument);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "not a live communicator"));
  EXPECT_EQ(NCCL(ncclAllReduce)(nullptr, nullptr, 1, ncclFloat, ncclSum, comm, nullptr),
            ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommDestroy)(comm), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommAbort)(comm), ncclInvalidArgument);
  munmap(page, 4096);
}

TEST(NcclArgs, QueriesAndLifecycleRejectNullComm) {
  int v = 0;
  ncclResult_t r;
  ncclComm_t out = nullptr;
  EXPECT_EQ(NCCL(ncclCommCount)(nullptr, &v), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommCuDevice)(nullptr, &v), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommUserRank)(nullptr, &v), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommGetAsyncError)(nullptr, &r), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommFinalize)(nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommRevoke)(nullptr, 0), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommSplit)(nullptr, 0, 0, &out, nullptr), ncclInvalidArgument);
  int excl = 1;
  EXPECT_EQ(NCCL(ncclCommShrink)(nullptr, &excl, 1, &out, nullptr, 0), ncclInvalidArgument);
  EXPECT_EQ(out, nullptr);
  // Destroying or aborting NULL is a no-op, as in NCCL.
  EXPECT_EQ(NCCL(ncclCommDestroy)(nullptr), ncclSuccess);
  EXPECT_EQ(NCCL(ncclCommAbort)(nullptr), ncclSuccess);
}

TEST(NcclArgs, RegistrationAndOperatorsRejectNullComm) {
  void* handle = nullptr;
  ncclWindow_t win = nullptr;
  ncclRedOp_t op;
  float scalar = 2;
  char buf[64];
  EXPECT_EQ(NCCL(ncclCommRegister)(nullptr, buf, sizeof(buf), &handle), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommDeregister)(nullptr, handle), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommWindowRegister)(nullptr, buf, sizeof(buf), &win, 0), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommWindowDeregister)(nullptr, win), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclRedOpCreatePreMulSum)(&op, &scalar, ncclFloat, ncclScalarHostImmediate, nullptr),
            ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclRedOpDestroy)(ncclNumOps, nullptr), ncclInvalidArgument);
}

TEST(NcclArgs, DeviceApiIsRefusedCleanly) {
  auto create = ::lccl_test::ncclSym<ncclResult_t (*)(ncclComm_t, const void*, void*)>(
      "ncclDevCommCreate");
  auto destroy =
      ::lccl_test::ncclSym<ncclResult_t (*)(ncclComm_t, const void*)>("ncclDevCommDestroy");
  ASSERT_NE(create, nullptr);
  ASSERT_NE(destroy, nullptr);
  char devComm[256] = {};
  EXPECT_EQ(create(nullptr, nullptr, devComm), ncclInvalidArgument);
  EXPECT_EQ(destroy(nullptr, devComm), ncclInvalidArgument);
  auto reqs = ::lccl_test::ncclSym<ncclResult_t (*)(int, int, void*, void*)>(
      "ncclLLA2ACreateRequirement");
  ASSERT_NE(reqs, nullptr);
  EXPECT_EQ(reqs(1, 1, nullptr, nullptr), ncclInvalidUsage);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "device API"));
}

TEST(NcclErrors, LastErrorIsPerThread) {
  NCCL(ncclCommCount)(nullptr, nullptr);  // leaves a message on this thread
  std::string mine = NCCL_LAST_ERROR();
  ASSERT_FALSE(mine.empty());
  std::string fresh, afterError;
  std::thread([&] {
    fresh = NCCL(ncclGetLastError)(nullptr);
    NCCL(ncclBroadcast)(nullptr, nullptr, 1, ncclInt8, 0, nullptr, nullptr);
    afterError = NCCL(ncclGetLastError)(nullptr);
  }).join();
  EXPECT_EQ(fresh, "");
  EXPECT_TRUE(contains(afterError, "ncclBroadcast")) << afterError;
  EXPECT_EQ(NCCL_LAST_ERROR(), mine);
}

TEST(NcclGroup, EndWithoutStartIsInvalidUsage) {
  EXPECT_EQ(NCCL(ncclGroupEnd)(), ncclInvalidUsage);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "ncclGroupStart"));
}

TEST(NcclGroup, NestedEmptyGroupsBalance) {
  auto start = NCCL(ncclGroupStart);
  auto end = NCCL(ncclGroupEnd);
  ASSERT_EQ(start(), ncclSuccess);
  ASSERT_EQ(start(), ncclSuccess);
  EXPECT_EQ(end(), ncclSuccess);
  EXPECT_EQ(end(), ncclSuccess);
  EXPECT_EQ(end(), ncclInvalidUsage);  // depth is back to zero
}

TEST(NcclGroup, ErrorsInsideAGroupAreReportedAtTheCall) {
  ASSERT_EQ(NCCL(ncclGroupStart)(), ncclSuccess);
  EXPECT_EQ(NCCL(ncclSend)(nullptr, 1, ncclInt, 0, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclGroupEnd)(), ncclSuccess);
}

TEST(NcclGroup, SimulateEndChecksItsArgumentAndIsUnsupported) {
  EXPECT_EQ(NCCL(ncclGroupSimulateEnd)(nullptr), ncclInvalidArgument);
  ncclSimInfo_t bad{};
  EXPECT_EQ(NCCL(ncclGroupSimulateEnd)(&bad), ncclInvalidArgument);
  ncclSimInfo_t info = NCCL_SIM_INFO_INITIALIZER;
  ASSERT_EQ(NCCL(ncclGroupStart)(), ncclSuccess);
  EXPECT_EQ(NCCL(ncclGroupSimulateEnd)(&info), ncclInvalidUsage);
  EXPECT_EQ(NCCL(ncclGroupEnd)(), ncclSuccess);
}

TEST(NcclUniqueId, WorksWithoutGpu) {
  ncclUniqueId a, b;
  std::memset(&a, 0, sizeof(a));
  std::memset(&b, 0, sizeof(b));
  ASSERT_EQ(NCCL(ncclGetUniqueId)(&a), ncclSuccess) << NCCL_LAST_ERROR();
  ASSERT_EQ(NCCL(ncclGetUniqueId)(&b), ncclSuccess) << NCCL_LAST_ERROR();
  ncclUniqueId zero;
  std::memset(&zero, 0, sizeof(zero));
  EXPECT_NE(std::memcmp(&a, &zero, sizeof(a)), 0);
  EXPECT_NE(std::memcmp(&a, &b, sizeof(a)), 0) << "two ids must differ (port, secret)";
  EXPECT_EQ(NCCL(ncclGetUniqueId)(nullptr), ncclInvalidArgument);
}

TEST(NcclInit, BadSizeOrRankIsInvalidArgumentBeforeAnyGpuWork) {
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  ncclComm_t comm = reinterpret_cast<ncclComm_t>(0x1);
  auto init = NCCL(ncclCommInitRank);
  EXPECT_EQ(init(nullptr, 1, id, 0), ncclInvalidArgument);
  EXPECT_EQ(init(&comm, 0, id, 0), ncclInvalidArgument);
  EXPECT_EQ(comm, nullptr) << "the output is cleared on failure";
  EXPECT_EQ(init(&comm, 2, id, -1), ncclInvalidArgument);
  EXPECT_EQ(init(&comm, 2, id, 2), ncclInvalidArgument);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "rank 2 out of range [0, 2)"));
  ncclUniqueId ids[1];
  EXPECT_EQ(NCCL(ncclCommInitRankScalable)(&comm, 2, 0, 0, ids, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommInitRankScalable)(&comm, 2, 0, 1, nullptr, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommInitAll)(nullptr, 1, nullptr), ncclInvalidArgument);
  EXPECT_EQ(NCCL(ncclCommInitAll)(&comm, 0, nullptr), ncclInvalidArgument);
}

TEST(NcclInit, WithoutGpuFailsCleanlyWithAClearMessage) {
  if (haveGpu()) GTEST_SKIP() << "a GPU is present";
  ncclUniqueId id;
  ASSERT_EQ(NCCL(ncclGetUniqueId)(&id), ncclSuccess);
  ncclComm_t comm = reinterpret_cast<ncclComm_t>(0x1);
  ncclResult_t r = NCCL(ncclCommInitRank)(&comm, 1, id, 0);
  EXPECT_EQ(r, ncclUnhandledCudaError);
  EXPECT_EQ(comm, nullptr);
  std::string msg = NCCL_LAST_ERROR();
  EXPECT_TRUE(contains(msg, "ncclCommInitRank")) << msg;
  EXPECT_TRUE(contains(msg, "CUDA device")) << msg;
}

TEST(NcclInit, InitAllAndInitInsideAGroupWithoutGpuFailCleanly) {
  if (haveGpu()) GTEST_SKIP() << "a GPU is present";
  ncclComm_t comms[2] = {nullptr, nullptr};
  EXPECT_EQ(NCCL(ncclCommInitAll)(comms, 2, nullptr), ncclUnhandledCudaError);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "CUDA device"));
  ncclUniqueId id;
  ASSERT_EQ(NCCL(ncclGetUniqueId)(&id), ncclSuccess);
  ncclComm_t comm = nullptr;
  ASSERT_EQ(NCCL(ncclGroupStart)(), ncclSuccess);
  EXPECT_EQ(NCCL(ncclCommInitRank)(&comm, 1, id, 0), ncclUnhandledCudaError);
  EXPECT_EQ(NCCL(ncclGroupEnd)(), ncclSuccess);
  EXPECT_EQ(comm, nullptr);
}

TEST(NcclConfig, UninitialisedConfigIsInvalidArgument) {
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  ncclConfig_t config;
  std::memset(&config, 0, sizeof(config));
  ncclComm_t comm = nullptr;
  EXPECT_EQ(NCCL(ncclCommInitRankConfig)(&comm, 1, id, 0, &config), ncclInvalidArgument);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "NCCL_CONFIG_INITIALIZER"));
  ncclConfig_t tiny = NCCL_CONFIG_INITIALIZER;
  tiny.size = 8;
  EXPECT_EQ(NCCL(ncclCommInitRankConfig)(&comm, 1, id, 0, &tiny), ncclInvalidArgument);
  ncclConfig_t blocking = NCCL_CONFIG_INITIALIZER;
  blocking.blocking = 7;
  EXPECT_EQ(NCCL(ncclCommInitRankConfig)(&comm, 1, id, 0, &blocking), ncclInvalidArgument);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "blocking"));
}

// An ncclConfig_t of NCCL 2.14 (fields up to netName) placed against a
// PROT_NONE page: the library must read only `size` bytes of it.
TEST(NcclConfig, OlderSmallerStructIsAcceptedAndNotReadPastItsSize) {
  const size_t oldSize = offsetof(ncclConfig_t, netName) + sizeof(const char*);
  long pageSize = sysconf(_SC_PAGESIZE);
  char* pages = static_cast<char*>(
      mmap(nullptr, 2 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(pages, MAP_FAILED);
  ASSERT_EQ(mprotect(pages + pageSize, pageSize, PROT_NONE), 0);
  auto* old = reinterpret_cast<ncclConfig_t*>(pages + pageSize - oldSize);
  ncclConfig_t init = NCCL_CONFIG_INITIALIZER;
  std::memcpy(old, &init, oldSize);
  old->size = oldSize;
  old->version = NCCL_VERSION(2, 14, 3);
  old->blocking = 0;
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  ncclComm_t comm = nullptr;
  ncclResult_t r = NCCL(ncclCommInitRankConfig)(&comm, 1, id, 5, old);  // rank out of range
  EXPECT_EQ(r, ncclInvalidArgument);
  EXPECT_TRUE(contains(NCCL_LAST_ERROR(), "rank 5")) << "rank checked before the config";
  if (!haveGpu()) {
    ASSERT_EQ(NCCL(ncclGetUniqueId)(&id), ncclSuccess);
    r = NCCL(ncclCommInitRankConfig)(&comm, 1, id, 0, old);
    EXPECT_EQ(r, ncclUnhandledCudaError) << "the config was accepted; init failed later: "
                                         << NCCL_LAST_ERROR();
  }
  munmap(pages, 2 * pageSize);
}

TEST(NcclMemory, AllocChecksItsArgumentsWithoutGpu) {
  EXPECT_EQ(NCCL(ncclMemAlloc)(nullptr, 16), ncclInvalidArgument);
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(NCCL(ncclMemAlloc)(&p, 0), ncclSuccess);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(NCCL(ncclMemFree)(nullptr), ncclSuccess);
  int local = 0;
  EXPECT_EQ(NCCL(ncclMemFree)(&local), ncclInvalidArgument);  // not from ncclMemAlloc
  if (!haveGpu()) {
    EXPECT_NE(NCCL(ncclMemAlloc)(&p, 1 << 20), ncclSuccess);
  }
}

}  // namespace
