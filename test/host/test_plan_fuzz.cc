// Mutation fuzzing of the plan pipeline: valid plans are damaged (fields
// deleted, duplicated, retyped, renamed; numbers flipped; arrays shuffled;
// text truncated or scribbled on) and every result must be a clean verdict —
// valid (then simulated) or rejected with at least one error — never a
// crash, an exception or a hang. Deterministic: fixed seeds, bounded count.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "lccl/executors/generate.hpp"
#include "test_plan_util.hpp"

namespace {

using Json = nlohmann::ordered_json;
using namespace lccl::plan;

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const auto& f : plantest::filesIn(plantest::sourceRoot() / "test/plans/good", ".json"))
    out.push_back(plantest::readFile(f));
  out.push_back(generatePlan({"allreduce-ring", 2, Protocol::Simple, ReduceKind::Sum, false}));
  out.push_back(generatePlan({"allreduce-ring", 3, Protocol::LL, ReduceKind::Max, false}));
  out.push_back(generatePlan({"allreduce-twoshot", 2, Protocol::LL, ReduceKind::Sum, true}));
  out.push_back(generatePlan({"alltoall-direct", 3, Protocol::Simple, ReduceKind::Sum, false}));
  out.push_back(generatePlan({"allreduce-auto", 2, Protocol::Simple, ReduceKind::Sum, false}));
  return out;
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  std::string mutateJson(const std::string& text, int rounds) {
    Json j = Json::parse(text);
    for (int i = 0; i < rounds; ++i) mutateOnce(j);
    return j.dump(1);
  }

  std::string mutateText(std::string text) {
    size_t at = text.empty() ? 0 : pick(text.size());
    switch (pick(3)) {
      case 0: return text.substr(0, at);  // truncate
      case 1:
        if (!text.empty()) text[at] = "{}[]\",:0-9ae \x01\xff"[pick(16)];
        return text;
      default: return text.erase(at, pick(64));
    }
  }

 private:
  size_t pick(size_t n) { return n == 0 ? 0 : rng_() % n; }

  void collect(Json& j, std::vector<Json*>& all) {
    all.push_back(&j);
    if (j.is_structured())
      for (auto& child : j) collect(child, all);
  }

  Json randomValue() {
    switch (pick(10)) {
      case 0: return nullptr;
      case 1: return true;
      case 2: return "input";
      case 3: return -1;
      case 4: return 0;
      case 5: return 1.5;
      case 6: return Json::array({1, 2});
      case 7: return Json::object({{"chunk", 0}});
      case 8: return 18446744073709551615ull;
      default: return 1e300;
    }
  }

  Json flipped(const Json& n) {
    int64_t v = n.is_number_integer() ? n.get<int64_t>() : 0;
    const int64_t options[] = {v + 1,     v - 1,     0,       -1, 2, 1 << 20, int64_t{1} << 32,
                               INT64_MAX, INT64_MIN, v * 1000};
    return options[pick(10)];
  }

  void mutateOnce(Json& root) {
    std::vector<Json*> all;
    collect(root, all);
    Json& node = *all[pick(all.size())];
    switch (pick(6)) {
      case 0:  // delete a member or element
        if (node.is_object() && !node.empty())
          node.erase(std::next(node.begin(), pick(node.size())).key());
        else if (node.is_array() && !node.empty())
          node.erase(node.begin() + pick(node.size()));
        break;
      case 1:  // duplicate an element / copy a member's value onto another
        if (node.is_array() && !node.empty())
          node.push_back(node[pick(node.size())]);
        else if (node.is_object() && node.size() > 1)
          std::next(node.begin(), pick(node.size())).value() =
              std::next(node.begin(), pick(node.size())).value();
        break;
      case 2: node = randomValue(); break;  // retype
      case 3:
        if (node.is_number())
          node = flipped(node);
        else if (node.is_array() && node.size() > 1)
          std::swap(node[pick(node.size())], node[pick(node.size())]);
        break;
      case 4:  // rename a member (unknown / missing field)
        if (node.is_object() && !node.empty()) {
          std::string key = std::next(node.begin(), pick(node.size())).key();
          Json v = node[key];
          node.erase(key);
          node["x" + key] = v;
        }
        break;
      default: {  // flip some number anywhere
        std::vector<Json*> numbers;
        for (Json* x : all)
          if (x->is_number()) numbers.push_back(x);
        if (!numbers.empty())
          *numbers[pick(numbers.size())] = flipped(*numbers[pick(numbers.size())]);
      }
    }
  }

  std::mt19937_64 rng_;
};

struct Tally {
  int valid = 0, rejected = 0;
};

// One mutated text through the whole pipeline: a clean verdict or a failure.
void verdict(const std::string& text, Tally& t) {
  auto r = plantest::runPipeline(text, 1, 3);
  if (r.valid) {
    ++t.valid;
    return;
  }
  ++t.rejected;
  ASSERT_FALSE(r.report.empty());
  ASSERT_NE(r.report.find("error: "), std::string::npos) << r.report;
  ASSERT_EQ(r.report.find("internal error"), std::string::npos) << r.report << "\n" << text;
}

void fuzz(uint64_t seed, int iterations, bool text) {
  auto base = seeds();
  Mutator m(seed);
  Tally t;
  for (int i = 0; i < iterations; ++i) {
    const std::string& s = base[i % base.size()];
    std::string mutated = text ? m.mutateText(s) : m.mutateJson(s, 1 + i % 3);
    ASSERT_NO_FATAL_FAILURE(verdict(mutated, t)) << "iteration " << i;
  }
  EXPECT_GT(t.rejected, iterations / 4);
  if (!text) {
    EXPECT_GT(t.valid, 0);  // some damage is harmless: those plans get simulated
  }
  ::testing::Test::RecordProperty("valid", t.valid);
  ::testing::Test::RecordProperty("rejected", t.rejected);
  EXPECT_EQ(t.valid + t.rejected, iterations);
}

TEST(PlanFuzz, StructuralMutationsA) { fuzz(0x1cc1, 700, false); }
TEST(PlanFuzz, StructuralMutationsB) { fuzz(0xbeef, 700, false); }
TEST(PlanFuzz, TextMutations) { fuzz(0x5eed, 600, true); }

}  // namespace
