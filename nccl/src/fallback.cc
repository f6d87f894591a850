#include "fallback.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>

#include "api.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/logging.hpp"

namespace lccl::nccl {
namespace {

void selfMarker() {}

// The file (device, inode) that contains `addr`, or {0, 0}.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};

FileId fileOf(const void* addr, std::string* name = nullptr) {
  Dl_info info{};
  struct stat st {};
  if (dladdr(addr, &info) == 0 || info.dli_fname == nullptr) return {};
  if (name) *name = info.dli_fname;
  if (stat(info.dli_fname, &st) != 0) return {};
  return {st.st_dev, st.st_ino};
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw InvalidUsageError(ErrorSite{"LCCL_NCCL_FALLBACK_LIB"}, "'" + path + "': " + why);
}

}  // namespace

void RealNccl::missing(const char* name) const {
  throw InvalidUsageError(ErrorSite{name}, "the fallback NCCL " + path + " (version " +
                                               std::to_string(version) + ") lacks " + name);
}

void RealNccl::check(ncclResult_t result, const char* call, ncclComm_t comm) const {
  if (result == ncclSuccess || result == ncclInProgress) return;
  const char* msg = ncclGetLastError ? ncclGetLastError(comm) : nullptr;
  throw Error(errorCodeOf(result), ErrorSite{call},
              std::string("fallback NCCL returned ") + std::to_string(result) +
                  (msg && *msg ? std::string(": ") + msg : std::string()));
}

std::unique_ptr<RealNccl> loadRealNccl(const std::string& path, const void* self) {
  if (path.find('/') == std::string::npos)
    refuse(path, "give a path (a bare name would find lccl's own libnccl.so.2)");
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) refuse(path, "no such file");
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (h == nullptr) refuse(path, std::string("dlopen failed: ") + dlerror());
  auto lib = std::make_unique<RealNccl>();
  lib->path = path;
  lib->handle = h;
  const FileId selfId = fileOf(self);
  auto resolve = [&](const char* name) -> void* {
    void* fn = dlsym(h, name);
    if (fn != nullptr && selfId.ino != 0 && fileOf(fn) == selfId) {
      dlclose(h);
      refuse(path, "is lccl's own library; name NVIDIA's libnccl.so.2");
    }
    return fn;
  };
#define LCCL_NCCL_RESOLVE(name) \
  lib->name = reinterpret_cast<decltype(lib->name)>(resolve(#name));
  LCCL_NCCL_REAL_REQUIRED(LCCL_NCCL_RESOLVE)
  LCCL_NCCL_REAL_OPTIONAL(LCCL_NCCL_RESOLVE)
#undef LCCL_NCCL_RESOLVE
#define LCCL_NCCL_REQUIRE(name) \
  if (lib->name == nullptr) { dlclose(h); refuse(path, "does not define " #name); }
  LCCL_NCCL_REAL_REQUIRED(LCCL_NCCL_REQUIRE)
#undef LCCL_NCCL_REQUIRE
  if (lib->ncclGetVersion(&lib->version) != ncclSuccess) {
    dlclose(h);
    refuse(path, "ncclGetVersion failed");
  }
  return lib;
}

namespace {
std::once_flag loadOnce;
std::atomic<const RealNccl*> loaded{nullptr};
std::string loadError;
}  // namespace

bool fallbackConfigured() { return !Env::instance().str("LCCL_NCCL_FALLBACK_LIB").empty(); }

const RealNccl* loadedFallback() { return loaded.load(); }

const RealNccl* fallbackNccl() {
  if (!fallbackConfigured()) return nullptr;
  std::call_once(loadOnce, [] {
    const std::string& path = Env::instance().str("LCCL_NCCL_FALLBACK_LIB");
    try {
      auto lib = loadRealNccl(path, reinterpret_cast<const void*>(&selfMarker));
      LCCL_INFO("fallback NCCL %s loaded (version %d)", path.c_str(), lib->version);
      loaded = lib.release();  // kept for the life of the process
    } catch (const Error& e) {
      loadError = e.what();
    }
  });
  if (const RealNccl* lib = loaded.load()) return lib;
  throw InvalidUsageError(ErrorSite{"fallback"}, loadError);
}

}  // namespace lccl::nccl
