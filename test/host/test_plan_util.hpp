// Helpers shared by the plan tests (test_plan_*.cc): source-tree paths, file
// reading, and running the whole pipeline (parse, check, simulate) on text.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lccl/executors/check.hpp"
#include "lccl/executors/cli.hpp"
#include "lccl/executors/simulate.hpp"

namespace plantest {

namespace fs = std::filesystem;

// The repository root, found from this header's own path.
inline fs::path sourceRoot() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

inline std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Files of `dir` ending in `ext`, sorted.
inline std::vector<fs::path> filesIn(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A gtest-safe name for a parameter: letters, digits, underscores.
inline std::string testName(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

struct PipelineResult {
  bool valid = false;      // parsed and checked without errors
  bool simulated = false;  // simulation ran and matched (only when valid)
  std::string report;      // every finding and simulation error, one per line
  lccl::plan::PlanFile file;
};

// Parse + check, then simulate every variant (when valid). Never throws.
inline PipelineResult runPipeline(const std::string& text, uint32_t chunkElems = 2,
                                  uint64_t seed = 1) {
  PipelineResult r;
  lccl::plan::Diagnostics d;
  r.valid = lccl::plan::loadAndCheck(text, r.file, d);
  r.report = d.format();
  if (!r.valid) return r;
  r.simulated = true;
  for (const auto& v : r.file.variants) {
    lccl::plan::SimulateOptions o;
    o.chunkElems = chunkElems;
    o.seed = seed;
    lccl::plan::SimulateResult s = lccl::plan::simulatePlan(v.plan, o);
    for (const auto& e : s.errors) r.report += e + "\n";
    r.simulated = r.simulated && s.ok;
  }
  return r;
}

struct ToolResult {
  int status;
  std::string out, err;
};

inline ToolResult runTool(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int status = lccl::plan::runPlanTool(args, out, err);
  return ToolResult{status, out.str(), err.str()};
}

}  // namespace plantest
