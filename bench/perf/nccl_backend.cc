// nccl_backend.cc — Backend over NCCL, loaded with dlopen (never linked).
//
// nccl.h supplies the types only; the function-pointer types below are
// declared here and checked against the header's prototypes.
#include <dlfcn.h>
#include <glob.h>
#include <nccl.h>

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include "backend.hpp"
#include "lccl/env.hpp"
#include "lccl_perf/nccl_paths.hpp"
#include "runner.hpp"

namespace lccl::perf {
namespace {

using GetVersionFn = ncclResult_t (*)(int*);
using GetUniqueIdFn = ncclResult_t (*)(ncclUniqueId*);
using CommInitRankFn = ncclResult_t (*)(ncclComm_t*, int, ncclUniqueId, int);
using CommDestroyFn = ncclResult_t (*)(ncclComm_t);
using GetErrorStringFn = const char* (*)(ncclResult_t);
using GetLastErrorFn = const char* (*)(ncclComm_t);
using AllReduceFn = ncclResult_t (*)(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t);
using AllGatherFn = ncclResult_t (*)(const void*, void*, size_t, ncclDataType_t, ncclComm_t, cudaStream_t);
using ReduceScatterFn = AllReduceFn;
using BroadcastFn = ncclResult_t (*)(const void*, void*, size_t, ncclDataType_t, int, ncclComm_t, cudaStream_t);
using ReduceFn = ncclResult_t (*)(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, int, ncclComm_t,
                                  cudaStream_t);
using AlltoAllFn = AllGatherFn;
using SendFn = ncclResult_t (*)(const void*, size_t, ncclDataType_t, int, ncclComm_t, cudaStream_t);
using RecvFn = ncclResult_t (*)(void*, size_t, ncclDataType_t, int, ncclComm_t, cudaStream_t);
using GroupFn = ncclResult_t (*)();
using WindowRegisterFn = ncclResult_t (*)(ncclComm_t, void*, size_t, ncclWindow_t*, int);
using WindowDeregisterFn = ncclResult_t (*)(ncclComm_t, ncclWindow_t);

static_assert(std::is_same_v<GetVersionFn, decltype(&ncclGetVersion)>);
static_assert(std::is_same_v<CommInitRankFn, decltype(&ncclCommInitRank)>);
static_assert(std::is_same_v<AllReduceFn, decltype(&ncclAllReduce)>);
static_assert(std::is_same_v<ReduceScatterFn, decltype(&ncclReduceScatter)>);
static_assert(std::is_same_v<AllGatherFn, decltype(&ncclAllGather)>);
static_assert(std::is_same_v<BroadcastFn, decltype(&ncclBroadcast)>);
static_assert(std::is_same_v<ReduceFn, decltype(&ncclReduce)>);
static_assert(std::is_same_v<SendFn, decltype(&ncclSend)>);
static_assert(std::is_same_v<RecvFn, decltype(&ncclRecv)>);
static_assert(static_cast<int>(ncclFloat8e5m2) == static_cast<int>(DType::F8E5M2));
static_assert(static_cast<int>(ncclBfloat16) == static_cast<int>(DType::BFloat16));
static_assert(static_cast<int>(ncclAvg) == static_cast<int>(ROp::Avg));

struct NcclApi {
  void* handle = nullptr;
  std::string path;
  int versionCode = 0;
  GetVersionFn getVersion = nullptr;
  GetUniqueIdFn getUniqueId = nullptr;
  CommInitRankFn commInitRank = nullptr;
  CommDestroyFn commDestroy = nullptr;
  GetErrorStringFn getErrorString = nullptr;
  GetLastErrorFn getLastError = nullptr;  // optional (2.13+)
  AllReduceFn allReduce = nullptr;
  AllGatherFn allGather = nullptr;
  ReduceScatterFn reduceScatter = nullptr;
  BroadcastFn broadcast = nullptr;
  ReduceFn reduce = nullptr;
  AlltoAllFn alltoAll = nullptr;  // optional (2.28+); else grouped send/recv
  SendFn send = nullptr;
  RecvFn recv = nullptr;
  GroupFn groupStart = nullptr;
  GroupFn groupEnd = nullptr;
  WindowRegisterFn windowRegister = nullptr;      // optional (2.27+)
  WindowDeregisterFn windowDeregister = nullptr;
};

template <class Fn>
void bind(void* h, const char* name, Fn& fn, bool required) {
  fn = reinterpret_cast<Fn>(dlsym(h, name));
  if (!fn && required) throw std::runtime_error(std::string("missing symbol ") + name);
}

void bindAll(NcclApi& a) {
  bind(a.handle, "ncclGetVersion", a.getVersion, true);
  bind(a.handle, "ncclGetUniqueId", a.getUniqueId, true);
  bind(a.handle, "ncclCommInitRank", a.commInitRank, true);
  bind(a.handle, "ncclCommDestroy", a.commDestroy, true);
  bind(a.handle, "ncclGetErrorString", a.getErrorString, true);
  bind(a.handle, "ncclGetLastError", a.getLastError, false);
  bind(a.handle, "ncclAllReduce", a.allReduce, true);
  bind(a.handle, "ncclAllGather", a.allGather, true);
  bind(a.handle, "ncclReduceScatter", a.reduceScatter, true);
  bind(a.handle, "ncclBroadcast", a.broadcast, true);
  bind(a.handle, "ncclReduce", a.reduce, true);
  bind(a.handle, "ncclAlltoAll", a.alltoAll, false);
  bind(a.handle, "ncclSend", a.send, true);
  bind(a.handle, "ncclRecv", a.recv, true);
  bind(a.handle, "ncclGroupStart", a.groupStart, true);
  bind(a.handle, "ncclGroupEnd", a.groupEnd, true);
  bind(a.handle, "ncclCommWindowRegister", a.windowRegister, false);
  bind(a.handle, "ncclCommWindowDeregister", a.windowDeregister, false);
}

std::vector<std::string> expand(const std::string& pattern) {
  if (pattern.find('*') == std::string::npos) return {pattern};
  glob_t g{};
  std::vector<std::string> out;
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = g.gl_pathc; i-- > 0;) out.emplace_back(g.gl_pathv[i]);  // newest python first
  globfree(&g);
  return out;
}

// The nvidia-nccl wheel of whatever python3 is on PATH (virtual environments included).
std::string pythonWheelPath() {
  FILE* p = popen("python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])' 2>/dev/null", "r");
  if (!p) return "";
  char buf[4096] = {};
  const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  pclose(p);
  std::string dir = got ? buf : "";
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
  return dir.empty() ? "" : dir + "/lib/libnccl.so.2";
}

// Opens the first loadable candidate; throws with every attempt's error when none loads.
void* openNccl(std::string& path) {
  const std::string explicitPath = lccl::Env::instance().str("LCCL_NCCL_LIB");
  const char* home = std::getenv("HOME");
  std::vector<std::string> candidates;
  for (const auto& p : ncclSearchPatterns(explicitPath, home ? home : ""))
    for (const auto& c : expand(p)) candidates.push_back(c);
  if (explicitPath.empty()) candidates.push_back(pythonWheelPath());
  std::string tried;
  for (const auto& c : candidates) {
    if (c.empty()) continue;
    if (void* h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      path = c;
      return h;
    }
    const char* e = dlerror();
    tried += "\n#   " + c + ": " + (e ? e : "not loadable");
  }
  throw std::runtime_error("NCCL not found (set LCCL_NCCL_LIB=/path/libnccl.so.2); tried:" + tried);
}

std::shared_ptr<NcclApi> loadNccl() {
  setenv("NCCL_NVLS_ENABLE", "0", 0);  // never NVLS (multicast is not allowed on these machines)
  auto api = std::make_shared<NcclApi>();
  api->handle = openNccl(api->path);
  bindAll(*api);
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(api->getVersion), &info) && info.dli_fname) api->path = info.dli_fname;
  if (api->getVersion(&api->versionCode) != ncclSuccess) throw std::runtime_error("ncclGetVersion failed");
  return api;  // never dlclose'd: NCCL keeps threads and handlers for the life of the process
}

}  // namespace

class NcclBackend : public Backend {
 public:
  NcclBackend(std::shared_ptr<NcclApi> api, MPI_Comm comm) : api_(std::move(api)) {
    int rank = 0, size = 0;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    nranks_ = size;
    ncclUniqueId id{};
    int ok = 1;
    if (rank == 0) ok = api_->getUniqueId(&id) == ncclSuccess;
    MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
    if (!ok) throw std::runtime_error("ncclGetUniqueId failed on rank 0");
    MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, comm);
    check(api_->commInitRank(&comm_, size, id, rank), "ncclCommInitRank");
  }
  ~NcclBackend() override {  // windows still registered go with the communicator
    if (comm_) api_->commDestroy(comm_);
  }

  const char* name() const override { return "nccl"; }
  std::string version() const override { return ncclVersionString(api_->versionCode); }
  std::string location() const override { return api_->path; }
  std::string unsupported(DType t, ROp op) const override;

  void allReduce(const void* s, void* r, size_t n, DType t, ROp op, cudaStream_t st) override {
    check(api_->allReduce(s, r, n, nt(t), nop(op), comm_, st), "ncclAllReduce");
  }
  void allGather(const void* s, void* r, size_t n, DType t, cudaStream_t st) override {
    check(api_->allGather(s, r, n, nt(t), comm_, st), "ncclAllGather");
  }
  void reduceScatter(const void* s, void* r, size_t n, DType t, ROp op, cudaStream_t st) override {
    check(api_->reduceScatter(s, r, n, nt(t), nop(op), comm_, st), "ncclReduceScatter");
  }
  void broadcast(const void* s, void* r, size_t n, DType t, int root, cudaStream_t st) override {
    check(api_->broadcast(s, r, n, nt(t), root, comm_, st), "ncclBroadcast");
  }
  void reduce(const void* s, void* r, size_t n, DType t, ROp op, int root, cudaStream_t st) override {
    check(api_->reduce(s, r, n, nt(t), nop(op), root, comm_, st), "ncclReduce");
  }
  void allToAll(const void* s, void* r, size_t n, DType t, cudaStream_t st) override;
  void allToAllv(const void* s, const AlltoallvArgs& a, void* r, DType t, cudaStream_t st) override;
  void sendRecv(const void* s, void* r, size_t n, DType t, int sendPeer, int recvPeer, cudaStream_t st) override;

  // Symmetric windows (NCCL 2.27+), where this NCCL has them.
  std::string registerWindows(void* send, void* recv, size_t bytes) override {
    if (!api_->windowRegister || !api_->windowDeregister) return "this NCCL has no ncclCommWindowRegister";
    for (int i = 0; i < 2; ++i) {
      const ncclResult_t r = api_->windowRegister(comm_, i ? recv : send, bytes, &windows_[i], NCCL_WIN_COLL_SYMMETRIC);
      if (r != ncclSuccess) return std::string("ncclCommWindowRegister: ") + api_->getErrorString(r);
    }
    return "";
  }
  void deregisterWindows() override {
    if (!windows_[0] && !windows_[1]) return;
    (void)cudaDeviceSynchronize();
    for (auto& w : windows_)
      if (w) api_->windowDeregister(comm_, w), w = nullptr;
  }

 private:
  static ncclDataType_t nt(DType t) { return static_cast<ncclDataType_t>(static_cast<int>(t)); }
  static ncclRedOp_t nop(ROp op) { return static_cast<ncclRedOp_t>(static_cast<int>(op)); }
  void check(ncclResult_t r, const char* call) const;
  // Runs fn between ncclGroupStart and ncclGroupEnd (the group is closed on errors too).
  template <class Fn>
  void group(Fn&& fn);

  std::shared_ptr<NcclApi> api_;
  ncclComm_t comm_ = nullptr;
  int nranks_ = 0;
  ncclWindow_t windows_[2] = {nullptr, nullptr};
};

void NcclBackend::check(ncclResult_t r, const char* call) const {
  if (r == ncclSuccess) return;
  std::string msg = std::string("nccl: ") + call + ": " + api_->getErrorString(r);
  const char* last = api_->getLastError ? api_->getLastError(comm_) : nullptr;
  if (last && *last) msg += std::string(" (") + last + ")";
  throw std::runtime_error(msg);
}

template <class Fn>
void NcclBackend::group(Fn&& fn) {
  check(api_->groupStart(), "ncclGroupStart");
  try {
    fn();
  } catch (...) {
    api_->groupEnd();
    throw;
  }
  check(api_->groupEnd(), "ncclGroupEnd");
}

std::string NcclBackend::unsupported(DType t, ROp op) const {
  const int v = api_->versionCode;
  if ((t == DType::F8E4M3 || t == DType::F8E5M2) && v < 22400) return "fp8 needs NCCL 2.24 or newer";
  if ((t == DType::BFloat16 || op == ROp::Avg) && v < 21000) return "bfloat16 and avg need NCCL 2.10 or newer";
  return "";
}

void NcclBackend::allToAll(const void* s, void* r, size_t n, DType t, cudaStream_t st) {
  if (api_->alltoAll) return check(api_->alltoAll(s, r, n, nt(t), comm_, st), "ncclAlltoAll");
  const size_t bytes = n * typeSize(t);
  group([&] {
    for (int p = 0; p < nranks_; ++p) {
      check(api_->send(static_cast<const char*>(s) + p * bytes, n, nt(t), p, comm_, st), "ncclSend");
      check(api_->recv(static_cast<char*>(r) + p * bytes, n, nt(t), p, comm_, st), "ncclRecv");
    }
  });
}

void NcclBackend::allToAllv(const void* s, const AlltoallvArgs& a, void* r, DType t, cudaStream_t st) {
  const size_t ts = typeSize(t);
  group([&] {
    for (size_t p = 0; p < a.sendCounts.size(); ++p) {
      const int peer = static_cast<int>(p);
      if (a.sendCounts[p])
        check(api_->send(static_cast<const char*>(s) + a.sendDispls[p] * ts, a.sendCounts[p], nt(t), peer, comm_, st),
              "ncclSend");
      if (a.recvCounts[p])
        check(api_->recv(static_cast<char*>(r) + a.recvDispls[p] * ts, a.recvCounts[p], nt(t), peer, comm_, st),
              "ncclRecv");
    }
  });
}

void NcclBackend::sendRecv(const void* s, void* r, size_t n, DType t, int sendPeer, int recvPeer, cudaStream_t st) {
  group([&] {
    check(api_->send(s, n, nt(t), sendPeer, comm_, st), "ncclSend");
    check(api_->recv(r, n, nt(t), recvPeer, comm_, st), "ncclRecv");
  });
}

std::unique_ptr<Backend> makeNcclBackend(MPI_Comm comm, std::string& why) {
  std::shared_ptr<NcclApi> api;
  std::unique_ptr<Backend> backend;
  try {
    phase(comm, [&] { api = loadNccl(); });  // every rank loads before any rank initializes
    phase(comm, [&] { backend = std::make_unique<NcclBackend>(api, comm); });
  } catch (const PhaseFailure& e) {
    why = e.what();
    backend.reset();
  }
  return backend;
}

}  // namespace lccl::perf
