// Port channels: InfiniBand selection (LCCL_IB_HCA parser) and the
// "no InfiniBand device" path on machines without RDMA hardware.
#include <gtest/gtest.h>

#include "../../src/transport/ib/hca_spec.hpp"
#include "../../src/transport/ib/ib_transport.hpp"
#include "lccl/errors.hpp"

namespace {

using lccl::detail::hcaSelected;
using lccl::detail::parseHcaSpec;

TEST(PortIbHca, EmptySelectsEverything) {
  auto s = parseHcaSpec("");
  EXPECT_TRUE(s.filters.empty());
  EXPECT_TRUE(hcaSelected(s, "mlx5_0", 1));
  EXPECT_TRUE(hcaSelected(parseHcaSpec("  "), "anything", 2));
}

TEST(PortIbHca, ListWithPorts) {
  auto s = parseHcaSpec("mlx5_0:1,mlx5_1");
  ASSERT_EQ(s.filters.size(), 2u);
  EXPECT_FALSE(s.exclude);
  EXPECT_FALSE(s.exact);
  EXPECT_EQ(s.filters[0].name, "mlx5_0");
  EXPECT_EQ(s.filters[0].port, 1);
  EXPECT_EQ(s.filters[1].port, -1);
  EXPECT_TRUE(hcaSelected(s, "mlx5_0", 1));
  EXPECT_FALSE(hcaSelected(s, "mlx5_0", 2));
  EXPECT_TRUE(hcaSelected(s, "mlx5_1", 2));
  EXPECT_TRUE(hcaSelected(s, "mlx5_10", 1)) << "prefix match without '='";
  EXPECT_FALSE(hcaSelected(s, "mlx5_2", 1));
}

TEST(PortIbHca, ExcludeAndExact) {
  auto ex = parseHcaSpec("^mlx5_2");
  EXPECT_TRUE(ex.exclude);
  EXPECT_TRUE(hcaSelected(ex, "mlx5_0", 1));
  EXPECT_FALSE(hcaSelected(ex, "mlx5_2", 1));
  EXPECT_FALSE(hcaSelected(ex, "mlx5_20", 1));
  auto exact = parseHcaSpec("=mlx5_1");
  EXPECT_TRUE(exact.exact);
  EXPECT_TRUE(hcaSelected(exact, "mlx5_1", 1));
  EXPECT_FALSE(hcaSelected(exact, "mlx5_10", 1));
  auto both = parseHcaSpec("^=mlx5_1:1");
  EXPECT_TRUE(both.exclude && both.exact);
  EXPECT_FALSE(hcaSelected(both, "mlx5_1", 1));
  EXPECT_TRUE(hcaSelected(both, "mlx5_1", 2));
  EXPECT_TRUE(hcaSelected(both, "mlx5_10", 1));
}

TEST(PortIbHca, WhitespaceAndEmptyItems) {
  auto s = parseHcaSpec(" mlx5_0 : 2 ,, mlx5_3 ,");
  ASSERT_EQ(s.filters.size(), 2u);
  EXPECT_EQ(s.filters[0].name, "mlx5_0");
  EXPECT_EQ(s.filters[0].port, 2);
  EXPECT_EQ(s.filters[1].name, "mlx5_3");
}

TEST(PortIbHca, MalformedSpecsAreRejected) {
  for (const char* bad : {":1", "mlx5_0:", "mlx5_0:x", "mlx5_0:0", "mlx5_0:256", "^", "=", "^=",
                          "mlx5_0:1:2"})
    EXPECT_THROW(parseHcaSpec(bad), lccl::InvalidArgumentError) << "'" << bad << "'";
}

TEST(PortIbDevice, NoDeviceGivesTheDocumentedError) {
  const lccl::detail::IbVerbs* verbs = lccl::detail::ibVerbs();
  ibv_device** list = nullptr;
  try {
    lccl::detail::selectIbPort(verbs, parseHcaSpec(""), &list);
  } catch (const lccl::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no InfiniBand device"), std::string::npos) << e.what();
    return;
  }
  verbs->freeDeviceList(list);
  GTEST_SKIP() << "an active InfiniBand port exists here: the no-device path is not testable";
}

TEST(PortIbDevice, ExcludingEveryDeviceGivesTheSameError) {
  ibv_device** list = nullptr;
  try {
    lccl::detail::selectIbPort(lccl::detail::ibVerbs(), parseHcaSpec("=no_such_hca"), &list);
    FAIL() << "a device named no_such_hca was selected";
  } catch (const lccl::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no InfiniBand device"), std::string::npos) << e.what();
  }
}

TEST(PortIbDevice, CapsDescribeAProxyTransport) {
  for (const auto& c : {lccl::detail::IbPortTransport::makeCaps()}) {
    EXPECT_TRUE(c.needsProxy);
    EXPECT_FALSE(c.directLoadStore);
    EXPECT_EQ(std::string(c.transport), "ib");
  }
}

}  // namespace
