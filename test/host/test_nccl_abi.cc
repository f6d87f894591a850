// lccl's nccl.h has NCCL 2.28.9's binary interface: the same signatures,
// layouts and values as NVIDIA's header (compared where that is installed),
// and the fixed facts of the 2.28 ABI everywhere.
#include <gtest/gtest.h>

#include "nccl.h"
#include "test_nccl_abi.hpp"

namespace lccl_test {

NcclAbi lcclNcclAbi() {
  NcclAbi abi;
  LCCL_NCCL_ABI_COLLECT(abi);
  return abi;
}

}  // namespace lccl_test

namespace {

static_assert(LCCL_NCCL_H, "tests must see lccl's nccl.h");

TEST(NcclAbi, HeaderMatchesTheReferenceHeader) {
  lccl_test::NcclAbi ref;
  if (!lccl_test::referenceNcclAbi(&ref)) GTEST_SKIP() << "NVIDIA's nccl.h is not installed";
  if (ref.values["NCCL_VERSION_CODE"] != 22809)
    GTEST_SKIP() << "the installed nccl.h is version " << ref.values["NCCL_VERSION_CODE"]
                 << "; lccl's header mirrors 22809";
  lccl_test::NcclAbi ours = lccl_test::lcclNcclAbi();
  for (const auto& [name, sig] : ref.signatures) EXPECT_EQ(ours.signatures[name], sig) << name;
  for (const auto& [name, value] : ref.values) EXPECT_EQ(ours.values[name], value) << name;
}

TEST(NcclAbi, FixedFactsOfThe228Interface) {
  auto abi = lccl_test::lcclNcclAbi();
  EXPECT_EQ(abi.values["sizeof(ncclUniqueId)"], 128);
  EXPECT_EQ(abi.values["sizeof(ncclConfig_t)"], 80);
  EXPECT_EQ(abi.values["offsetof(ncclConfig_t, netName)"], 32);
  EXPECT_EQ(abi.values["offsetof(ncclConfig_t, nvlinkCentricSched)"], 76);
  EXPECT_EQ(abi.values["initializer.magic"], 0xcafebeef);
  EXPECT_EQ(abi.values["initializer.version"], 22809);
  EXPECT_EQ(abi.values["siminfo.magic"], 0x74685283);
  EXPECT_EQ(abi.values["ncclMaxRedOp"], 0x7fffffff);
  EXPECT_EQ(abi.values["ncclFloat8e5m2"], 11);
  EXPECT_EQ(abi.values["NCCL_VERSION(2, 8, 4)"], 2804);
  EXPECT_EQ(abi.signatures.size(), 82u);
}

}  // namespace
