#include "host_id.hpp"

#include <unistd.h>

#include <fstream>

#include "lccl/env.hpp"

namespace lccl::detail {

const std::string& localHostId() {
  static const std::string id = [] {
    const std::string& forced = Env::instance().str("LCCL_HOST_ID");
    if (!forced.empty()) return forced;
    char name[256] = {};
    gethostname(name, sizeof(name) - 1);
    std::string bootId;
    std::ifstream f("/proc/sys/kernel/random/boot_id");
    std::getline(f, bootId);
    return std::string(name) + "/" + bootId;
  }();
  return id;
}

}  // namespace lccl::detail
