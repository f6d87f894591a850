// lccl-plan: check, show, simulate and generate execution plans
// (docs/plan-format.md). The command lives in lccl_plan_core (cli.hpp) so
// that tests run it in-process.
#include <iostream>
#include <string>
#include <vector>

#include "lccl/executors/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return lccl::plan::runPlanTool(args, std::cout, std::cerr);
}
