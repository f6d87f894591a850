// cli_internal.hpp (private) — command-line parsing shared by lccl-plan's commands.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--ranks" -> "4"; flags -> ""

  bool has(const std::string& name) const { return options.count(name) > 0; }
  // The option as an integer in [min, max], or `fallback` when absent.
  int64_t integer(const std::string& name, int64_t min, int64_t max, int64_t fallback) const;
  std::string text(const std::string& name, const std::string& fallback) const;
};

// `valued`: options taking a value ("--ranks 4" or "--ranks=4"); `flags`: without.
Args parseArgs(const std::vector<std::string>& args, const std::set<std::string>& valued,
               const std::set<std::string>& flags);

// Reads and parses PLAN; false (reported to err) when unreadable or malformed.
// `usage` is set when the failure is the command line's (unreadable file).
bool loadPlanFile(const std::string& path, PlanFile& file, bool check, std::ostream& err,
                  bool& usage);

int runSimulate(const Args& a, std::ostream& out, std::ostream& err);  // cli_simulate.cc
int runGenerate(const Args& a, std::ostream& out, std::ostream& err);  // cli_generate.cc

}  // namespace lccl::plan::detail
