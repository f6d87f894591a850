// lccl/executors/cli.hpp — the lccl-plan command, callable in-process (tests).
//
//   lccl-plan check PLAN...        validate; findings name JSON paths
//   lccl-plan show PLAN            readable listing
//   lccl-plan simulate PLAN [--ranks N] [--seed S] [--chunk-elems E] [--runs R]
//                                  [--order random|round-robin]
//   lccl-plan generate ALGO --ranks N [--protocol simple|LL] [--reduce-op OP]
//                                  [--inplace] [-o FILE]
//   lccl-plan generate --all DIR   (re)writes the shipped plans into DIR
//   lccl-plan list                 the generator's algorithms
// PLAN may be "-" for standard input.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace lccl::plan {

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;  // a plan is invalid, or a simulation mismatched
constexpr int kExitUsage = 2;    // bad command line, unreadable file

// `args` excludes the program name. Never throws.
int runPlanTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lccl::plan
