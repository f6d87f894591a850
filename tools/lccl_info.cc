// lccl-info: prints every environment variable lccl reads, with its effective
// value, where that value came from, and what it means.
#include <cstdio>
#include <cstring>

#include "lccl/env.hpp"
#include "lccl/gpu.hpp"
#include "lccl/version.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    std::printf("usage: lccl-info\nPrints lccl's version, GPU count and environment variables.\n");
    return 0;
  }
  try {
    const lccl::Env& env = lccl::Env::instance();
    std::printf("lccl %s, %d GPU(s) visible\n\n", LCCL_VERSION_STRING, lccl::gpuCount());
    std::printf("%-30s %-12s %-8s %s\n", "variable", "value", "source", "meaning");
    for (const auto& e : env.entries()) {
      std::string src = lccl::envSourceName(e.source);
      if (e.source == lccl::EnvSource::Alias) src += std::string(" ") + e.var->alias;
      std::printf("%-30s %-12s %-8s %s\n", e.var->name, e.value.empty() ? "(unset)" : e.value.c_str(),
                  src.c_str(), e.var->meaning);
    }
    return 0;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "lccl-info: %s\n", ex.what());
    return 1;
  }
}
