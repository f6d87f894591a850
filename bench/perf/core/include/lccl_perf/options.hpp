// options.hpp — lccl-perf's command line (nccl-tests flags plus --lib, --tokens, --window).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "lccl_perf/perf_types.hpp"

namespace lccl::perf {

enum class LibSelect { Lccl, Nccl, Both };
const char* libSelectName(LibSelect s);

// Defaults are nccl-tests' (-b 32M -e 32M -i 1M -f 1 -n 20 -w 5 -c 1 -o sum -d float -a 1).
struct PerfOptions {
  Collective collective = Collective::AllReduce;
  uint64_t minBytes = 32ull << 20;
  uint64_t maxBytes = 32ull << 20;
  uint64_t stepBytes = 1ull << 20;  // -i: increment when stepFactor == 1
  uint64_t stepFactor = 1;          // -f: multiply when > 1
  int iters = 20;                   // -n: timed iterations (graph mode: timed replays)
  int warmup = 5;                   // -w: warm-up iterations
  int check = 1;                    // -c: 0 = no data check
  std::vector<ROp> ops{ROp::Sum};   // -o (all = sum prod max min avg)
  std::vector<DType> types{DType::Float};  // -d
  int root = 0;                     // -r
  int blocking = 0;                 // -z: synchronize after each operation
  int graphIters = 0;               // -G: operations captured per CUDA graph, 0 = eager
  int window = 0;                   // --window: 1 = buffers from shareable memory, registered as windows
  int average = 1;                  // -a: 0 rank 0, 1 mean, 2 min, 3 max across ranks
  std::string jsonPath;             // -J: JSON lines output file
  LibSelect lib = LibSelect::Both;  // --lib
  std::vector<int> tokens{1, 8, 32, 128, 256, 4096, 8192};  // --tokens (m1 only)
  bool help = false;                // -h
};

// A bad command line; what() names the flag and says what was expected.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the arguments after the program name: the collective, then flags in
// the forms "-b 1K", "-b1K", "--minbytes 1K" or "--minbytes=1K". Throws UsageError.
PerfOptions parseOptions(const std::vector<std::string>& args);
PerfOptions parseOptions(int argc, const char* const* argv);  // argv[0] is the program
// Checks value ranges and combinations (called by parseOptions).
void validateOptions(const PerfOptions& o);
std::string usageText();

}  // namespace lccl::perf
