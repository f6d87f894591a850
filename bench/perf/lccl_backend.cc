// lccl_backend.cc — Backend over lccl::Collectives.
#include <mpi.h>

#include "backend.hpp"
#include "lccl/collectives.hpp"
#include "lccl/mpi_bootstrap.hpp"
#include "lccl/version.hpp"
#include "runner.hpp"

namespace lccl::perf {
namespace {

// perf's enums use lccl's numbering; check the ends and a few in between.
static_assert(static_cast<int>(lccl::DataType::Int8) == static_cast<int>(DType::Int8));
static_assert(static_cast<int>(lccl::DataType::Float16) == static_cast<int>(DType::Half));
static_assert(static_cast<int>(lccl::DataType::BFloat16) == static_cast<int>(DType::BFloat16));
static_assert(static_cast<int>(lccl::DataType::Fp8E5M2) == static_cast<int>(DType::F8E5M2));
static_assert(static_cast<int>(lccl::DataType::Count) == static_cast<int>(DType::Count));
static_assert(static_cast<int>(lccl::ReduceOp::Sum) == static_cast<int>(ROp::Sum));
static_assert(static_cast<int>(lccl::ReduceOp::Avg) == static_cast<int>(ROp::Avg));

lccl::DataType toLccl(DType t) { return static_cast<lccl::DataType>(static_cast<int>(t)); }

lccl::ReduceOp toLccl(ROp op) {
  if (op == ROp::None) throw std::logic_error("lccl backend: reduction without an op");
  return static_cast<lccl::ReduceOp>(static_cast<int>(op));
}

class LcclBackend : public Backend {
 public:
  LcclBackend(MPI_Comm comm, int device) {
    std::shared_ptr<lccl::Bootstrap> bootstrap = lccl::mpiBootstrap(comm);
    comm_ = std::make_shared<lccl::Communicator>(bootstrap, device);
    coll_ = std::make_unique<lccl::Collectives>(comm_);
  }
  ~LcclBackend() override {  // windows still registered go with the Collectives
    coll_.reset();  // before the communicator it uses
    comm_.reset();
  }

  const char* name() const override { return "lccl"; }

  std::string registerWindows(void* send, void* recv, size_t bytes) override {
    windows_[0] = coll_->registerWindow(send, bytes);
    windows_[1] = coll_->registerWindow(recv, bytes);
    return "";
  }
  void deregisterWindows() override {
    if (windows_[0] == 0) return;
    (void)cudaDeviceSynchronize();
    for (auto& w : windows_) coll_->deregisterWindow(w), w = 0;
  }
  std::string version() const override { return LCCL_VERSION_STRING; }

  void allReduce(const void* s, void* r, size_t n, DType t, ROp op, cudaStream_t st) override {
    coll_->allReduce(s, r, n, toLccl(t), toLccl(op), st);
  }
  void allGather(const void* s, void* r, size_t n, DType t, cudaStream_t st) override {
    coll_->allGather(s, r, n, toLccl(t), st);
  }
  void reduceScatter(const void* s, void* r, size_t n, DType t, ROp op, cudaStream_t st) override {
    coll_->reduceScatter(s, r, n, toLccl(t), toLccl(op), st);
  }
  void broadcast(const void* s, void* r, size_t n, DType t, int root, cudaStream_t st) override {
    coll_->broadcast(s, r, n, toLccl(t), root, st);
  }
  void reduce(const void* s, void* r, size_t n, DType t, ROp op, int root, cudaStream_t st) override {
    coll_->reduce(s, r, n, toLccl(t), toLccl(op), root, st);
  }
  void allToAll(const void* s, void* r, size_t n, DType t, cudaStream_t st) override {
    coll_->allToAll(s, r, n, toLccl(t), st);
  }
  void allToAllv(const void* s, const AlltoallvArgs& a, void* r, DType t, cudaStream_t st) override {
    coll_->allToAllv(s, a.sendCounts.data(), a.sendDispls.data(), r, a.recvCounts.data(), a.recvDispls.data(),
                     toLccl(t), st);
  }
  void sendRecv(const void* s, void* r, size_t n, DType t, int sendPeer, int recvPeer, cudaStream_t st) override {
    coll_->groupStart();
    try {
      coll_->send(s, n, toLccl(t), sendPeer, st);
      coll_->recv(r, n, toLccl(t), recvPeer, st);
    } catch (...) {
      coll_->groupEnd();
      throw;
    }
    coll_->groupEnd();
  }

 private:
  std::shared_ptr<lccl::Communicator> comm_;
  std::unique_ptr<lccl::Collectives> coll_;
  lccl::Collectives::WindowHandle windows_[2] = {0, 0};
};

}  // namespace

std::unique_ptr<Backend> makeLcclBackend(MPI_Comm comm, int device, std::string& why) {
  std::unique_ptr<Backend> backend;
  try {
    phase(comm, [&] { backend = std::make_unique<LcclBackend>(comm, device); });
  } catch (const PhaseFailure& e) {
    why = e.what();
    backend.reset();
  }
  return backend;
}

}  // namespace lccl::perf
