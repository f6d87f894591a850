// nccl_paths.hpp — where lccl-perf looks for NCCL (it never links it).
#pragma once

#include <string>
#include <vector>

namespace lccl::perf {

// Candidates in order; entries may hold glob patterns ('*'). With an explicit
// path (LCCL_NCCL_LIB) only that path is tried. Otherwise: libnccl.so.2 from
// the default search path, the nvidia-nccl python wheel under the usual
// site-packages directories (system, /usr/local, ~/.local), then /usr/local/cuda/lib64.
std::vector<std::string> ncclSearchPatterns(const std::string& explicitPath, const std::string& home);

// "2.28.9" from NCCL's version code (22809; 2.8.x and older: 2809-style codes).
std::string ncclVersionString(int code);

}  // namespace lccl::perf
