// The broken-plan corpus (test/plans/broken): every NAME.json must be
// rejected, by the library and by `lccl-plan check` (exit 1), with a message
// containing the text of NAME.expect (usually the JSON path of the problem).
#include <gtest/gtest.h>

#include "test_plan_util.hpp"

namespace {

using plantest::readFile;
using plantest::fs::path;

std::vector<path> corpus() {
  return plantest::filesIn(plantest::sourceRoot() / "test/plans/broken", ".json");
}

std::string expectation(const path& plan) {
  path sidecar = plan;
  sidecar.replace_extension(".expect");
  std::string text = readFile(sidecar);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

class PlanBroken : public ::testing::TestWithParam<path> {};

TEST_P(PlanBroken, IsRejectedWithItsPath) {
  const path& plan = GetParam();
  std::string expect = expectation(plan);
  ASSERT_FALSE(expect.empty()) << "missing or empty " << plan.stem() << ".expect";
  auto r = plantest::runPipeline(readFile(plan));
  EXPECT_FALSE(r.valid) << plan;
  EXPECT_NE(r.report.find(expect), std::string::npos) << "expected: " << expect << "\ngot:\n"
                                                      << r.report;
  auto tool = plantest::runTool({"check", plan.string()});
  EXPECT_EQ(tool.status, lccl::plan::kExitInvalid) << tool.err;
  EXPECT_NE(tool.err.find(expect), std::string::npos) << tool.err;
}

INSTANTIATE_TEST_SUITE_P(Corpus, PlanBroken, ::testing::ValuesIn(corpus()),
                         [](const auto& info) { return plantest::testName(info.param.stem()); });

TEST(PlanBrokenCorpus, CoversTheRequiredKinds) {
  std::vector<std::string> names;
  for (const auto& p : corpus()) names.push_back(p.stem().string());
  for (const char* kind :
       {"malformed-json", "wrong-type-nranks", "missing-collective", "chunk-out-of-range",
        "unknown-channel", "mismatched-peers", "deadlock", "unmatched-wait", "racing-writes",
        "bad-version", "negative-index", "huge-number"})
    EXPECT_NE(std::find(names.begin(), names.end(), kind), names.end()) << kind;
  EXPECT_GE(names.size(), 40u);
}

}  // namespace
