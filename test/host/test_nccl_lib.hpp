// test_nccl_lib.hpp — the built libnccl.so.2, opened with dlopen as an
// application would load it (never closed: its bootstrap threads may run).
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "nccl.h"

namespace lccl_test {

inline void* ncclLib() {
  static void* h = [] {
    void* p = dlopen(LCCL_NCCL_SO, RTLD_NOW | RTLD_LOCAL);
    if (p == nullptr) std::fprintf(stderr, "dlopen %s: %s\n", LCCL_NCCL_SO, dlerror());
    return p;
  }();
  return h;
}

template <class Fn>
Fn ncclSym(const char* name) {
  void* h = ncclLib();
  return h ? reinterpret_cast<Fn>(dlsym(h, name)) : nullptr;
}

// Runs a shell command and returns its standard output.
inline std::string run(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

}  // namespace lccl_test

// The library's function `name`, typed from nccl.h; the test fails when missing.
#define NCCL(name)                                                              \
  ([] {                                                                         \
    auto fn = ::lccl_test::ncclSym<decltype(&::name)>(#name);                   \
    EXPECT_NE(fn, nullptr) << #name " is not exported by " LCCL_NCCL_SO;        \
    return fn;                                                                  \
  }())

#define NCCL_LAST_ERROR() std::string(NCCL(ncclGetLastError)(nullptr))
