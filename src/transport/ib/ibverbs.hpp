// src/transport/ib/ibverbs.hpp — libibverbs, loaded at run time.
//
// lccl never links libibverbs: it dlopen()s libibverbs.so.1 on first use and
// resolves the few functions below by name. Data-path calls (post_send,
// poll_cq) are not exported functions but context ops reached through the
// structs of <infiniband/verbs.h> (inline wrappers), so they need no symbol.
#pragma once

#include <infiniband/verbs.h>

namespace lccl::detail {

struct IbVerbs {
  ibv_device** (*getDeviceList)(int*);
  void (*freeDeviceList)(ibv_device**);
  const char* (*getDeviceName)(ibv_device*);
  ibv_context* (*openDevice)(ibv_device*);
  int (*closeDevice)(ibv_context*);
  int (*queryPort)(ibv_context*, uint8_t, ibv_port_attr*);
  int (*queryGid)(ibv_context*, uint8_t, int, ibv_gid*);
  ibv_pd* (*allocPd)(ibv_context*);
  int (*deallocPd)(ibv_pd*);
  ibv_mr* (*regMr)(ibv_pd*, void*, size_t, int);
  int (*deregMr)(ibv_mr*);
  ibv_cq* (*createCq)(ibv_context*, int, void*, ibv_comp_channel*, int);
  int (*destroyCq)(ibv_cq*);
  ibv_qp* (*createQp)(ibv_pd*, ibv_qp_init_attr*);
  int (*modifyQp)(ibv_qp*, ibv_qp_attr*, int);
  int (*destroyQp)(ibv_qp*);
};

// The loaded table, or nullptr when libibverbs.so.1 is absent or lacks a
// symbol (the reason goes to *why). Loaded once per process, never unloaded.
const IbVerbs* ibVerbs(const char** why = nullptr);

}  // namespace lccl::detail
