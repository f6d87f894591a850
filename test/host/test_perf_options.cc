// lccl-perf command-line parsing (bench/perf/core/options.hpp).
#include <gtest/gtest.h>

#include "lccl_perf/options.hpp"

namespace lccl::perf {
namespace {

PerfOptions parse(std::vector<std::string> args) { return parseOptions(args); }

// Expects a UsageError whose message contains every fragment.
void expectUsageError(std::vector<std::string> args, std::vector<std::string> fragments) {
  try {
    parse(args);
    FAIL() << "no error for " << ::testing::PrintToString(args);
  } catch (const UsageError& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

TEST(PerfOptions, DefaultsAreNcclTests) {
  PerfOptions o = parse({"allreduce"});
  EXPECT_EQ(o.collective, Collective::AllReduce);
  EXPECT_EQ(o.minBytes, 32u << 20);
  EXPECT_EQ(o.maxBytes, 32u << 20);
  EXPECT_EQ(o.stepBytes, 1u << 20);
  EXPECT_EQ(o.stepFactor, 1u);
  EXPECT_EQ(o.iters, 20);
  EXPECT_EQ(o.warmup, 5);
  EXPECT_EQ(o.check, 1);
  EXPECT_EQ(o.ops, std::vector<ROp>{ROp::Sum});
  EXPECT_EQ(o.types, std::vector<DType>{DType::Float});
  EXPECT_EQ(o.root, 0);
  EXPECT_EQ(o.blocking, 0);
  EXPECT_EQ(o.graphIters, 0);
  EXPECT_EQ(o.average, 1);
  EXPECT_EQ(o.lib, LibSelect::Both);
  EXPECT_EQ(o.window, 0);
  EXPECT_TRUE(o.jsonPath.empty());
}

TEST(PerfOptions, WindowFlag) {
  const PerfOptions o = parse({"allreduce", "-d", "bfloat16", "-b", "256K", "-e", "1G", "-f", "4",
                               "--lib", "both", "-G", "20", "--window", "1"});
  EXPECT_EQ(o.window, 1);
  EXPECT_EQ(o.graphIters, 20);
  EXPECT_EQ(o.minBytes, 256u << 10);
  EXPECT_EQ(o.maxBytes, 1ull << 30);
  EXPECT_EQ(parse({"allreduce", "--window=0"}).window, 0);
  EXPECT_EQ(parse({"allreduce", "--window=1"}).window, 1);
  expectUsageError({"allreduce", "--window", "2"}, {"--window"});
  expectUsageError({"allreduce", "--window"}, {"--window", "missing value"});
  EXPECT_NE(usageText().find("--window"), std::string::npos);
}

TEST(PerfOptions, EveryFlagShortForm) {
  PerfOptions o = parse({"reduce", "-b", "1K", "-e", "1G", "-i", "4K", "-f", "4", "-n", "7", "-w", "3",
                         "-c", "0", "-o", "max", "-d", "bfloat16", "-r", "2", "-z", "1", "-G", "20",
                         "-a", "3", "-J", "out.json", "--lib", "nccl"});
  EXPECT_EQ(o.collective, Collective::Reduce);
  EXPECT_EQ(o.minBytes, 1024u);
  EXPECT_EQ(o.maxBytes, 1u << 30);
  EXPECT_EQ(o.stepBytes, 4096u);
  EXPECT_EQ(o.stepFactor, 4u);
  EXPECT_EQ(o.iters, 7);
  EXPECT_EQ(o.warmup, 3);
  EXPECT_EQ(o.check, 0);
  EXPECT_EQ(o.ops, std::vector<ROp>{ROp::Max});
  EXPECT_EQ(o.types, std::vector<DType>{DType::BFloat16});
  EXPECT_EQ(o.root, 2);
  EXPECT_EQ(o.blocking, 1);
  EXPECT_EQ(o.graphIters, 20);
  EXPECT_EQ(o.average, 3);
  EXPECT_EQ(o.jsonPath, "out.json");
  EXPECT_EQ(o.lib, LibSelect::Nccl);
}

TEST(PerfOptions, AttachedAndLongForms) {
  PerfOptions o = parse({"-b8", "--maxbytes=64M", "--stepfactor", "2", "allgather", "--datatype=half",
                         "--iters=5", "--lib=lccl", "-G4"});
  EXPECT_EQ(o.collective, Collective::AllGather);
  EXPECT_EQ(o.minBytes, 8u);
  EXPECT_EQ(o.maxBytes, 64u << 20);
  EXPECT_EQ(o.stepFactor, 2u);
  EXPECT_EQ(o.types, std::vector<DType>{DType::Half});
  EXPECT_EQ(o.iters, 5);
  EXPECT_EQ(o.lib, LibSelect::Lccl);
  EXPECT_EQ(o.graphIters, 4);
}

TEST(PerfOptions, AllTypesOpsAndLists) {
  PerfOptions o = parse({"allreduce", "-d", "all", "-o", "all"});
  EXPECT_EQ(o.types.size(), 12u);
  EXPECT_EQ(o.ops, (std::vector<ROp>{ROp::Sum, ROp::Prod, ROp::Max, ROp::Min, ROp::Avg}));
  o = parse({"allreduce", "-d", "half,f8e4m3,f8e5m2,int", "-o", "min,avg"});
  EXPECT_EQ(o.types, (std::vector<DType>{DType::Half, DType::F8E4M3, DType::F8E5M2, DType::Int32}));
  EXPECT_EQ(o.ops, (std::vector<ROp>{ROp::Min, ROp::Avg}));
}

TEST(PerfOptions, EveryCollectiveName) {
  for (Collective c : allCollectives()) EXPECT_EQ(parse({collectiveName(c)}).collective, c);
  PerfOptions m = parse({"m1", "--tokens", "1,8,4096"});
  EXPECT_EQ(m.collective, Collective::M1);
  EXPECT_EQ(m.tokens, (std::vector<int>{1, 8, 4096}));
}

TEST(PerfOptions, BadSizeNamesTheFlag) {
  expectUsageError({"allreduce", "-b", "1X"}, {"-b", "1X"});
  expectUsageError({"allreduce", "-e", "lots"}, {"-e", "lots"});
  expectUsageError({"allreduce", "--maxbytes=-5"}, {"--maxbytes"});
  expectUsageError({"allreduce", "-i", "1Q"}, {"-i"});
}

TEST(PerfOptions, BadNumbersAndRanges) {
  expectUsageError({"allreduce", "-n", "0"}, {"-n", "[1,"});
  expectUsageError({"allreduce", "-n", "ten"}, {"-n", "ten"});
  expectUsageError({"allreduce", "-w", "-1"}, {"-w"});
  expectUsageError({"allreduce", "-a", "4"}, {"-a", "[0, 3]"});
  expectUsageError({"allreduce", "-z", "2"}, {"-z"});
  expectUsageError({"allreduce", "-f", "0"}, {"-f"});
  expectUsageError({"allreduce", "-G", "-2"}, {"-G"});
  expectUsageError({"allreduce", "-r", "-1"}, {"-r"});
  expectUsageError({"m1", "--tokens", "1,0"}, {"--tokens"});
}

TEST(PerfOptions, BadNamesAndStructure) {
  expectUsageError({"allreduce", "-d", "float7"}, {"-d", "float7"});
  expectUsageError({"allreduce", "-o", "premulsum"}, {"-o", "premulsum"});
  expectUsageError({"allreduce", "--lib", "mpi"}, {"--lib", "mpi"});
  expectUsageError({"allreduc"}, {"allreduc"});
  expectUsageError({"allreduce", "-q", "1"}, {"-q"});
  expectUsageError({"allreduce", "-b"}, {"-b", "missing value"});
  expectUsageError({"-b", "1K"}, {"missing collective"});
  expectUsageError({"allreduce", "broadcast"}, {"broadcast"});
  expectUsageError({"allreduce", "--help=1"}, {"--help"});
}

TEST(PerfOptions, SweepCombinationsAreChecked) {
  expectUsageError({"allreduce", "-b", "1M", "-e", "1K"}, {"-b", "-e"});
  expectUsageError({"allreduce", "-b", "1K", "-e", "1M", "-i", "0"}, {"-i"});
  expectUsageError({"allreduce", "-b", "0", "-e", "1M", "-f", "2"}, {"-b", "-f"});
  EXPECT_NO_THROW(parse({"allreduce", "-b", "1M", "-e", "1M", "-i", "0"}));
}

TEST(PerfOptions, HelpNeedsNoCollective) {
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_NE(usageText().find("--lib"), std::string::npos);
  const char* argv[] = {"lccl-perf", "sendrecv", "-n", "3"};
  PerfOptions o = parseOptions(4, argv);
  EXPECT_EQ(o.collective, Collective::SendRecv);
  EXPECT_EQ(o.iters, 3);
}

}  // namespace
}  // namespace lccl::perf
