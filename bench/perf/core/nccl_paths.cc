#include "lccl_perf/nccl_paths.hpp"

namespace lccl::perf {

std::vector<std::string> ncclSearchPatterns(const std::string& explicitPath, const std::string& home) {
  if (!explicitPath.empty()) return {explicitPath};
  const std::string wheel = "/nvidia/nccl/lib/libnccl.so.2";
  std::vector<std::string> out = {"libnccl.so.2"};
  for (const char* dir : {"/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages",
                          "/usr/lib/python3/dist-packages", "/usr/lib/python3*/site-packages"})
    out.push_back(dir + wheel);
  if (!home.empty()) out.push_back(home + "/.local/lib/python3*/site-packages" + wheel);
  out.push_back("/usr/local/cuda/lib64/libnccl.so.2");
  return out;
}

std::string ncclVersionString(int code) {
  int major, minor, patch;
  if (code >= 10000) {
    major = code / 10000, minor = (code / 100) % 100, patch = code % 100;
  } else {
    major = code / 1000, minor = (code / 100) % 10, patch = code % 100;
  }
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace lccl::perf
