// dlopen()/dlsym() of the libibverbs functions lccl uses.
#include "ibverbs.hpp"

#include <dlfcn.h>

#include <string>

namespace lccl::detail {
namespace {

struct Loaded {
  IbVerbs table{};
  bool ok = false;
  std::string why;
};

template <class F>
bool resolve(void* lib, const char* name, F& fn, std::string& why) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (fn == nullptr) why = std::string("libibverbs lacks ") + name;
  return fn != nullptr;
}

bool resolveAll(void* lib, IbVerbs& t, std::string& why) {
  return resolve(lib, "ibv_get_device_list", t.getDeviceList, why) &&
         resolve(lib, "ibv_free_device_list", t.freeDeviceList, why) &&
         resolve(lib, "ibv_get_device_name", t.getDeviceName, why) &&
         resolve(lib, "ibv_open_device", t.openDevice, why) &&
         resolve(lib, "ibv_close_device", t.closeDevice, why) &&
         resolve(lib, "ibv_query_port", t.queryPort, why) &&
         resolve(lib, "ibv_query_gid", t.queryGid, why) &&
         resolve(lib, "ibv_alloc_pd", t.allocPd, why) &&
         resolve(lib, "ibv_dealloc_pd", t.deallocPd, why) &&
         resolve(lib, "ibv_reg_mr", t.regMr, why) &&
         resolve(lib, "ibv_dereg_mr", t.deregMr, why) &&
         resolve(lib, "ibv_create_cq", t.createCq, why) &&
         resolve(lib, "ibv_destroy_cq", t.destroyCq, why) &&
         resolve(lib, "ibv_create_qp", t.createQp, why) &&
         resolve(lib, "ibv_modify_qp", t.modifyQp, why) &&
         resolve(lib, "ibv_destroy_qp", t.destroyQp, why);
}

Loaded load() {
  Loaded l;
  void* lib = ::dlopen("libibverbs.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* e = ::dlerror();
    l.why = std::string("cannot load libibverbs.so.1: ") + (e ? e : "?");
    return l;
  }
  l.ok = resolveAll(lib, l.table, l.why);
  return l;
}

}  // namespace

const IbVerbs* ibVerbs(const char** why) {
  static const Loaded loaded = load();
  if (why != nullptr) *why = loaded.why.c_str();
  return loaded.ok ? &loaded.table : nullptr;
}

}  // namespace lccl::detail
