#include "nvml.hpp"

#include <dlfcn.h>

#include <cctype>
#include <mutex>

namespace lccl::detail {
namespace {

// The subset of nvml.h that lccl uses (ABI-stable NVML types).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDeviceOpaque*;
struct nvmlPciInfo_t {
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
constexpr int kMaxLinks = 18;
constexpr int kDeviceTypeSwitch = 2;

struct Nvml {
  bool ok = false;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*byBusId)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*linkState)(nvmlDevice_t, unsigned, int*) = nullptr;
  nvmlReturn_t (*remotePci)(nvmlDevice_t, unsigned, nvmlPciInfo_t*) = nullptr;
  nvmlReturn_t (*remoteType)(nvmlDevice_t, unsigned, int*) = nullptr;
};

template <class Fn>
bool sym(void* lib, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  return fn != nullptr;
}

const Nvml& nvml() {
  static const Nvml n = [] {
    Nvml r;
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return r;
    bool ok = sym(lib, "nvmlInit_v2", r.init) &&
              sym(lib, "nvmlDeviceGetHandleByPciBusId_v2", r.byBusId) &&
              sym(lib, "nvmlDeviceGetNvLinkState", r.linkState) &&
              sym(lib, "nvmlDeviceGetNvLinkRemotePciInfo_v2", r.remotePci);
    sym(lib, "nvmlDeviceGetNvLinkRemoteDeviceType", r.remoteType);  // optional
    r.ok = ok && r.init() == 0;
    return r;
  }();
  return n;
}

std::string normalize(const std::string& busId) {
  // NVML prints "00000000:1B:00.0", CUDA "0000:1b:00.0": compare on the tail.
  std::string s;
  for (char c : busId) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto colon = s.find(':');
  if (colon != std::string::npos && s.find(':', colon + 1) != std::string::npos)
    s = s.substr(colon + 1);
  return s;
}

struct Links {
  bool anyActive = false;
  bool toSwitch = false;
  std::string peers;  // normalized remote bus ids, ';'-separated
};

Links linksOf(const Nvml& n, const std::string& busId) {
  Links l;
  nvmlDevice_t dev = nullptr;
  if (n.byBusId(busId.c_str(), &dev) != 0) return l;
  for (unsigned i = 0; i < kMaxLinks; ++i) {
    int active = 0;
    if (n.linkState(dev, i, &active) != 0 || !active) continue;
    l.anyActive = true;
    int type = -1;
    if (n.remoteType && n.remoteType(dev, i, &type) == 0 && type == kDeviceTypeSwitch) {
      l.toSwitch = true;
      continue;
    }
    nvmlPciInfo_t pci{};
    if (n.remotePci(dev, i, &pci) == 0) l.peers += normalize(pci.busId) + ";";
  }
  return l;
}

}  // namespace

NvLinkPeer nvlinkBetween(const std::string& busId, const std::string& peerBusId) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const Nvml& n = nvml();
  if (!n.ok) return NvLinkPeer::Unknown;
  Links mine = linksOf(n, busId);
  if (mine.peers.find(normalize(peerBusId) + ";") != std::string::npos) return NvLinkPeer::Direct;
  if (mine.toSwitch && linksOf(n, peerBusId).toSwitch) return NvLinkPeer::Switch;
  return NvLinkPeer::None;
}

}  // namespace lccl::detail
