// Pieces of the NCCL shim tested directly (lccl_nccl_core): split/shrink
// membership, config reading, type mapping, the fallback loader.
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <string>

#include "lccl/errors.hpp"
#include "src/config.hpp"
#include "src/fallback.hpp"
#include "src/membership.hpp"
#include "src/types.hpp"
#include "test_nccl_lib.hpp"

namespace {

using namespace lccl;
using namespace lccl::nccl;

TEST(NcclSplitPlan, GroupsByColorAndOrdersByKeyThenRank) {
  // rank:            0       1       2       3       4
  std::vector<SplitEntry> all = {{1, 5, 0}, {0, 0, 1}, {1, 2, 2}, {0, 0, 3}, {1, 2, 4}};
  Membership m = splitMembership(all, 4);
  EXPECT_EQ(m.members, (std::vector<int>{2, 4, 0}));
  EXPECT_EQ(m.newRank, 1);
  EXPECT_EQ(m.leader(), 0);
  Membership z = splitMembership(all, 3);
  EXPECT_EQ(z.members, (std::vector<int>{1, 3}));
  EXPECT_EQ(z.newRank, 1);
  EXPECT_EQ(z.leader(), 1);
}

TEST(NcclSplitPlan, NoColorGetsNoCommunicator) {
  std::vector<SplitEntry> all = {{-1, 0, 0}, {3, 0, 1}, {3, 0, 2}};
  Membership m = splitMembership(all, 0);
  EXPECT_TRUE(m.members.empty());
  EXPECT_EQ(m.newRank, -1);
  EXPECT_EQ(splitMembership(all, 2).members, (std::vector<int>{1, 2}));
}

TEST(NcclSplitPlan, ShrinkRenumbersTheSurvivors) {
  Membership m = shrinkMembership(6, {1, 4}, 5);
  EXPECT_EQ(m.members, (std::vector<int>{0, 2, 3, 5}));
  EXPECT_EQ(m.newRank, 3);
  EXPECT_EQ(m.leader(), 0);
  EXPECT_EQ(shrinkMembership(3, {0}, 2).leader(), 1);
  EXPECT_THROW(shrinkMembership(4, {2}, 2), InvalidArgumentError);  // excluded rank calls
  EXPECT_THROW(shrinkMembership(4, {7}, 0), InvalidArgumentError);  // out of range
}

TEST(NcclConfigRead, NullGivesDefaults) {
  Config c = readConfig(nullptr, "test");
  EXPECT_FALSE(c.given);
  EXPECT_TRUE(c.blocking);
  EXPECT_EQ(c.raw.size, sizeof(ncclConfig_t));
}

TEST(NcclConfigRead, ReadsOnlyTheCallersBytes) {
  // The oldest layout (2.14: up to netName) ends at a PROT_NONE page.
  const size_t oldSize = offsetof(ncclConfig_t, netName) + sizeof(const char*);
  long page = sysconf(_SC_PAGESIZE);
  char* mem = static_cast<char*>(
      mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  ASSERT_EQ(mprotect(mem + page, page, PROT_NONE), 0);
  auto* old = reinterpret_cast<ncclConfig_t*>(mem + page - oldSize);
  ncclConfig_t init = NCCL_CONFIG_INITIALIZER;
  std::memcpy(old, &init, oldSize);
  old->size = oldSize;
  old->blocking = 0;
  Config c = readConfig(old, "test");
  EXPECT_TRUE(c.given);
  EXPECT_FALSE(c.blocking);
  EXPECT_EQ(c.raw.size, oldSize) << "a delegate must see the caller's size";
  EXPECT_EQ(c.raw.commName, nullptr) << "fields past the caller's size keep their defaults";
  EXPECT_EQ(c.raw.splitShare, INT_MIN);
  munmap(mem, 2 * page);
}

TEST(NcclConfigRead, NewerLargerStructIsReadUpToOurSize) {
  struct Newer {
    ncclConfig_t known;
    int futureField;
  } newer{};
  newer.known = NCCL_CONFIG_INITIALIZER;
  newer.known.size = sizeof(Newer);
  newer.known.commName = "pg-7";
  newer.known.blocking = 1;
  Config c = readConfig(&newer.known, "test");
  EXPECT_EQ(c.commName, "pg-7");
  EXPECT_TRUE(c.blocking);
  EXPECT_EQ(c.raw.size, sizeof(ncclConfig_t));
}

TEST(NcclConfigRead, RejectsBadMagicSizeAndBlocking) {
  ncclConfig_t c = NCCL_CONFIG_INITIALIZER;
  c.magic = 0;
  EXPECT_THROW(readConfig(&c, "t"), InvalidArgumentError);
  c = NCCL_CONFIG_INITIALIZER;
  c.size = kConfigMinBytes - 1;
  EXPECT_THROW(readConfig(&c, "t"), InvalidArgumentError);
  c = NCCL_CONFIG_INITIALIZER;
  c.blocking = 2;
  EXPECT_THROW(readConfig(&c, "t"), InvalidArgumentError);
}

TEST(NcclTypes, EveryNcclTypeAndAliasMaps) {
  EXPECT_EQ(toDataType(ncclInt8, "t"), DataType::Int8);
  EXPECT_EQ(toDataType(ncclChar, "t"), DataType::Int8);
  EXPECT_EQ(toDataType(ncclUint8, "t"), DataType::Uint8);
  EXPECT_EQ(toDataType(ncclInt, "t"), DataType::Int32);
  EXPECT_EQ(toDataType(ncclUint32, "t"), DataType::Uint32);
  EXPECT_EQ(toDataType(ncclInt64, "t"), DataType::Int64);
  EXPECT_EQ(toDataType(ncclUint64, "t"), DataType::Uint64);
  EXPECT_EQ(toDataType(ncclHalf, "t"), DataType::Float16);
  EXPECT_EQ(toDataType(ncclFloat, "t"), DataType::Float32);
  EXPECT_EQ(toDataType(ncclDouble, "t"), DataType::Float64);
  EXPECT_EQ(toDataType(ncclBfloat16, "t"), DataType::BFloat16);
  EXPECT_EQ(toDataType(ncclFloat8e4m3, "t"), DataType::Fp8E4M3);
  EXPECT_EQ(toDataType(ncclFloat8e5m2, "t"), DataType::Fp8E5M2);
  for (int t = 0; t < ncclNumTypes; ++t) {
    auto nt = static_cast<ncclDataType_t>(t);
    EXPECT_EQ(ncclTypeSize(nt), dataTypeSize(toDataType(nt, "t"))) << t;
  }
  EXPECT_THROW(toDataType(ncclNumTypes, "t"), InvalidArgumentError);
  EXPECT_THROW(toDataType(static_cast<ncclDataType_t>(-1), "t"), InvalidArgumentError);
}

TEST(NcclTypes, BuiltinOperatorsMapAndOthersAreRejected) {
  EXPECT_EQ(toReduceOp(ncclSum, "t"), ReduceOp::Sum);
  EXPECT_EQ(toReduceOp(ncclProd, "t"), ReduceOp::Prod);
  EXPECT_EQ(toReduceOp(ncclMax, "t"), ReduceOp::Max);
  EXPECT_EQ(toReduceOp(ncclMin, "t"), ReduceOp::Min);
  EXPECT_EQ(toReduceOp(ncclAvg, "t"), ReduceOp::Avg);
  EXPECT_THROW(toReduceOp(ncclNumOps, "t"), InvalidArgumentError);
  EXPECT_THROW(toReduceOp(static_cast<ncclRedOp_t>(-1), "t"), InvalidArgumentError);
}

// NVIDIA's library next to the reference header, when installed.
std::string realNcclPath() {
  std::string header = LCCL_NCCL_REFERENCE_HEADER;
  std::string root = header.substr(0, header.rfind("/include/"));
  for (const std::string& p : {root + "/lib64/libnccl.so.2", root + "/lib/libnccl.so.2",
                               std::string("/usr/local/cuda/lib64/libnccl.so.2")})
    if (access(p.c_str(), R_OK) == 0) return p;
  return "";
}

const void* addressInOurLibrary() { return dlsym(lccl_test::ncclLib(), "ncclGetVersion"); }

TEST(NcclFallback, LoadsTheRealNcclPrivately) {
  std::string path = realNcclPath();
  if (path.empty()) GTEST_SKIP() << "NVIDIA's libnccl.so.2 is not installed";
  auto lib = loadRealNccl(path, addressInOurLibrary());
  ASSERT_NE(lib, nullptr);
  EXPECT_GE(lib->version, 21200);
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(lib->ncclAllReduce), &info), 0);
  char a[PATH_MAX], b[PATH_MAX];
  ASSERT_NE(realpath(info.dli_fname, a), nullptr);
  ASSERT_NE(realpath(path.c_str(), b), nullptr);
  EXPECT_STREQ(a, b) << "functions must come from the real library";
  EXPECT_NE(reinterpret_cast<const void*>(lib->ncclGetVersion), addressInOurLibrary());
}

TEST(NcclFallback, RefusesBareNamesMissingFilesAndNonNccl) {
  EXPECT_THROW(loadRealNccl("libnccl.so.2", addressInOurLibrary()), InvalidUsageError);
  EXPECT_THROW(loadRealNccl("/nonexistent/libnccl.so.2", addressInOurLibrary()), InvalidUsageError);
  try {
    loadRealNccl("/bin/sh", addressInOurLibrary());
    FAIL() << "an executable is not an NCCL";
  } catch (const InvalidUsageError& e) {
    EXPECT_NE(std::string(e.what()).find("/bin/sh"), std::string::npos);
  }
}

TEST(NcclFallback, RefusesLcclsOwnLibrary) {
  ASSERT_NE(addressInOurLibrary(), nullptr);
  try {
    loadRealNccl(LCCL_NCCL_SO, addressInOurLibrary());
    FAIL() << "loading lccl's own libnccl.so.2 as the fallback must fail";
  } catch (const InvalidUsageError& e) {
    EXPECT_NE(std::string(e.what()).find("own library"), std::string::npos) << e.what();
  }
}

}  // namespace
