// Executor: the host side of the GPU plan interpreter (see executor.hpp):
// per-plan programs, the arena, staging copies and the kernel launch.
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "exec/arena.hpp"
#include "exec/exec_args.hpp"
#include "exec/launch.hpp"
#include "exec/program.hpp"
#include "lccl/errors.hpp"
#include "lccl/executors/executor.hpp"
#include "lccl/logging.hpp"

namespace lccl {

using exec::Program;
using plan::Buffer;

struct Executor::Impl {
  std::shared_ptr<Communicator> comm;
  int rank = 0, nranks = 0, smCount = 1;
  exec::Arena arena;
  exec::ExecState* state = nullptr;
  std::vector<std::unique_ptr<Program>> programs;
  std::atomic<const plan::Plan*> lastPlan{nullptr};  // read by checkDeviceErrors (any thread)
  void* inputCopy = nullptr;  // private copy of the input (copyInput calls whose input is not staged)
  size_t inputCopyBytes = 0;

  explicit Impl(std::shared_ptr<Communicator> c) : comm(std::move(c)), arena(*comm) {}

  // One call, with the sizes derived from the plan.
  struct Call {
    const void* send;
    void* recv;
    size_t count;
    DataType type;
    ReduceOp op;
    cudaStream_t stream;
    uint64_t inBytes, outBytes, chunkBytes;
    bool copyInput;  // an in-place call of an out-of-place plan: run on a copy of the input
  };

  Program& programFor(const plan::Plan& pl);
  void prepare(const plan::Plan& pl, const Call& c);
  Call check(const plan::Plan& pl, const void* send, void* recv, size_t count, DataType type,
             ReduceOp op, cudaStream_t stream) const;
  int replicasFor(const Program& p, uint64_t chunkBytes) const;
  char* regionBase(const Program& p, Buffer b, uint64_t chunkBytes) const;
  bool staged(const Program& p, Buffer b) const;
  exec::ExecArgs argsFor(const Program& p, const Call& c) const;
  void launch(const Program& p, const Call& c);
};

Program& Executor::Impl::programFor(const plan::Plan& pl) {
  for (auto& p : programs)
    if (p->plan == &pl && p->name == pl.name) return *p;
  auto p = std::make_unique<Program>();
  exec::buildProgram(*p, pl, rank);
  if (p->myTbs > smCount || p->myTbs > exec::kMaxBlocks)
    throw InvalidUsageError(ErrorSite{"Executor.run", rank},
                            "plan " + pl.name + " has " + std::to_string(p->myTbs) +
                                " threadblocks on this rank; at most " +
                                std::to_string(std::min(smCount, exec::kMaxBlocks)) +
                                " can run at once here");
  LCCL_INFO("executor: loaded plan %s (%d threadblocks, %zu ops)", pl.name.c_str(), p->myTbs,
            pl.ranks[rank].ops.size());
  programs.push_back(std::move(p));
  return *programs.back();
}

Executor::Impl::Call Executor::Impl::check(const plan::Plan& pl, const void* send, void* recv,
                                           size_t count, DataType type, ReduceOp op,
                                           cudaStream_t stream) const {
  ErrorSite site{"Executor.run", rank};
  auto fail = [&](const std::string& why) { throw InvalidArgumentError(site, "plan " + pl.name + ": " + why); };
  if (pl.nranks != nranks || static_cast<int>(pl.ranks.size()) != nranks)
    fail("written for " + std::to_string(pl.nranks) + " ranks, the communicator has " + std::to_string(nranks));
  if (!executorRuns(pl.collective))
    throw InvalidUsageError(site, "plan " + pl.name + ": " + plan::collectiveName(pl.collective) +
                                      " plans are not run by the GPU executor (see docs/plan-format.md)");
  if (static_cast<int>(type) < 0 || type >= DataType::Count) fail("unknown data type");
  if (plan::collectiveReduces(pl.collective) && planReduceKind(op) != pl.reduce)
    fail(std::string("reduces with ") + plan::reduceKindName(pl.reduce) + ", the call asks for " +
         reduceOpName(op));
  const bool inplace = callInPlace(pl.collective, send, recv, count, type, rank);
  if (pl.inplace && !inplace) fail("the plan is in place, the call is not");
  if (inplace && !pl.inplace && pl.collective == plan::Collective::AllToAll)
    fail("alltoall cannot run in place");
  Call c{send, recv, count, type, op, stream, 0, 0, 0, inplace && !pl.inplace};
  c.inBytes = planInputCount(pl.collective, count, nranks) * dataTypeSize(type);
  if (count > 0 && !planFitsCall(pl, c.inBytes, type))
    fail(std::to_string(c.inBytes) + " input bytes do not split into " +
         std::to_string(pl.bufferChunks(Buffer::Input)) + " chunks of whole " + dataTypeName(type) +
         " elements");
  c.chunkBytes = c.inBytes / std::max<uint32_t>(pl.bufferChunks(Buffer::Input), 1);
  c.outBytes = c.chunkBytes * pl.bufferChunks(Buffer::Output);
  return c;
}

// Setup that allocates, copies synchronously or talks to the peers: only on
// the first call of a plan and when the arena must grow, never while the
// stream is being captured into a CUDA graph (that would fail inside CUDA).
void Executor::Impl::prepare(const plan::Plan& pl, const Call& c) {
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(c.stream, &capture) != cudaSuccess) {
    (void)cudaGetLastError();
    capture = cudaStreamCaptureStatusNone;
  }
  const bool known = std::any_of(programs.begin(), programs.end(), [&](const auto& p) {
    return p->plan == &pl && p->name == pl.name;
  });
  const bool copyGrows = c.copyInput && c.inBytes > inputCopyBytes;
  if (capture != cudaStreamCaptureStatusNone) {
    if (!known || !arena.covers(exec::needOf(programFor(pl), c.chunkBytes)) ||
        programFor(pl).boundTo != arena.generation() ||
        (copyGrows && !staged(programFor(pl), Buffer::Input)))
      throw InvalidUsageError(ErrorSite{"Executor.run", rank},
                              "plan " + pl.name + ": the first call of a plan, or at a larger size, "
                              "allocates and cannot be captured in a CUDA graph; run it once "
                              "before capturing");
    return;
  }
  Program& p = programFor(pl);
  bool setup = !known;
  setup = arena.ensure(exec::needOf(p, c.chunkBytes)) || setup;
  if (p.boundTo != arena.generation()) {
    exec::bindChannels(p, arena);
    setup = true;
  }
  if (copyGrows && !staged(p, Buffer::Input)) {  // local only: no peer reaches it
    if (inputCopy) LCCL_CUDA_CHECK(cudaFree(inputCopy));  // waits for kernels using it
    inputCopy = nullptr;
    inputCopyBytes = 0;
    LCCL_CUDA_CHECK(cudaMalloc(&inputCopy, c.inBytes));
    inputCopyBytes = c.inBytes;
    setup = true;
  }
  // The program and channel table went up with cudaMemcpy from pageable host
  // memory, which may return before the data has landed; that copy is on
  // the legacy default stream, which a cudaStreamNonBlocking call stream
  // does not wait for. Let it land before the kernel can read it.
  if (setup) LCCL_CUDA_CHECK(cudaDeviceSynchronize());
}

// Blocks per plan threadblock: enough that each handles >= kReplicaMinBytes
// of a chunk, at most kMaxBlocks blocks in all. Depends only on the plan and
// the size, so every rank picks the same.
int Executor::Impl::replicasFor(const Program& p, uint64_t chunkBytes) const {
  const int cap = std::max(1, std::min({exec::kMaxReplicas, std::min(exec::kMaxBlocks, smCount) /
                                                                std::max(p.maxTbs, 1)}));
  const uint64_t want = std::max<uint64_t>(chunkBytes / exec::kReplicaMinBytes, 1);
  return static_cast<int>(std::min<uint64_t>(want, static_cast<uint64_t>(cap)));
}

// Whether buffer b of this rank lives in the arena (some peer reaches its region).
bool Executor::Impl::staged(const Program& p, Buffer b) const {
  const plan::Location loc = plan::resolve(*p.plan, rank, b, 0);
  return p.reaches(rank, loc.buffer);
}

char* Executor::Impl::regionBase(const Program& p, Buffer b, uint64_t chunkBytes) const {
  const plan::Location loc = plan::resolve(*p.plan, rank, b, 0);
  return arena.local() + arena.layout().region(loc.buffer, p.ll()) + loc.chunk * chunkBytes;
}

exec::ExecArgs Executor::Impl::argsFor(const Program& p, const Call& c) const {
  exec::ExecArgs a{};
  a.tbs = p.tbs;
  a.ops = p.ops;
  a.refs = p.refs;
  a.channels = p.channels;
  a.opPeer = p.opPeer;
  a.base[0] = staged(p, Buffer::Input) ? regionBase(p, Buffer::Input, c.chunkBytes)
               : c.copyInput              ? static_cast<char*>(inputCopy)
                                          : const_cast<char*>(static_cast<const char*>(c.send));
  a.base[1] = staged(p, Buffer::Output) ? regionBase(p, Buffer::Output, c.chunkBytes)
                                        : static_cast<char*>(c.recv);
  a.base[2] = regionBase(p, Buffer::Scratch, c.chunkBytes);
  a.chunkBytes = c.chunkBytes;
  a.packetChunkBytes = exec::packetChunkBytes(c.chunkBytes);
  a.parityBytes = p.ll() ? arena.layout().llBytes : 0;
  a.llScratch = p.ll();
  a.state = state;
  a.errorSlot = comm->deviceErrorDevice();
  a.timeoutNs = comm->deviceWaitTimeoutNs();
  a.rank = rank;
  a.nranks = nranks;
  a.numTbs = p.myTbs;
  a.replicas = replicasFor(p, c.chunkBytes);
  return a;
}

// Copy in, interpret, divide (avg), copy out: all on the call's stream.
void Executor::Impl::launch(const Program& p, const Call& c) {
  const exec::ExecArgs a = argsFor(p, c);
  const bool reduces = plan::collectiveReduces(p.plan->collective);
  if ((staged(p, Buffer::Input) || c.copyInput) && c.send != nullptr && a.base[0] != c.send)
    LCCL_CUDA_CHECK(cudaMemcpyAsync(a.base[0], c.send, c.inBytes, cudaMemcpyDeviceToDevice, c.stream));
  if (p.myTbs > 0) exec::launchInterpreter(a, reduces, c.type, c.op, c.stream);
  cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{"Executor.run", rank}, "interpreter launch", st);
  if (reduces && c.op == ReduceOp::Avg && a.base[1] != nullptr)
    exec::launchAverage(a.base[1], c.outBytes, c.type, nranks, c.stream);
  if (staged(p, Buffer::Output) && c.recv != nullptr && a.base[1] != c.recv)
    LCCL_CUDA_CHECK(cudaMemcpyAsync(c.recv, a.base[1], c.outBytes, cudaMemcpyDeviceToDevice, c.stream));
  st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{"Executor.run", rank}, "enqueue", st);
}

Executor::Executor(std::shared_ptr<Communicator> comm) {
  if (!comm) throw InvalidArgumentError(ErrorSite{"Executor"}, "null communicator");
  impl_ = std::make_unique<Impl>(std::move(comm));
  Impl& m = *impl_;
  m.rank = m.comm->rank();
  m.nranks = m.comm->size();
  LCCL_CUDA_CHECK(cudaDeviceGetAttribute(&m.smCount, cudaDevAttrMultiProcessorCount, m.comm->device()));
  LCCL_CUDA_CHECK(cudaMalloc(&m.state, sizeof(exec::ExecState)));
  LCCL_CUDA_CHECK(cudaMemset(m.state, 0, sizeof(exec::ExecState)));
  LCCL_CUDA_CHECK(cudaDeviceSynchronize());
}

Executor::~Executor() {
  if (!impl_) return;
  (void)cudaDeviceSynchronize();
  impl_->programs.clear();
  if (impl_->state) (void)cudaFree(impl_->state);
  if (impl_->inputCopy) (void)cudaFree(impl_->inputCopy);
}

Communicator& Executor::comm() const { return *impl_->comm; }

void Executor::run(const plan::Plan& pl, const void* send, void* recv, size_t count,
                   DataType type, ReduceOp op, gpuStream_t stream) {
  Impl& m = *impl_;
  const Impl::Call c = m.check(pl, send, recv, count, type, op, stream);
  if (count == 0) return;
  m.prepare(pl, c);
  Program& p = m.programFor(pl);
  m.lastPlan = &pl;
  m.launch(p, c);
}

void Executor::checkDeviceErrors() const {
  const Impl& m = *impl_;
  const DeviceErrorSlot* s = m.comm->deviceErrorHost();
  if (s == nullptr || s->abort == 0 || s->claimed == 0 || (s->objectId & exec::kObjectTag) == 0 ||
      m.lastPlan.load() == nullptr)
    return m.comm->checkDeviceErrors();
  const uint32_t opIndex = s->objectId & 0xfffffu;
  const uint32_t replica = (s->objectId >> 20) & 0x3ffu;
  const plan::Plan& pl = *m.lastPlan.load();
  std::string where = "op " + std::to_string(opIndex);
  if (opIndex < pl.ranks[m.rank].ops.size())
    where = plan::opPath(pl, m.rank, opIndex) + " (" +
            plan::opKindName(pl.ranks[m.rank].ops[opIndex].kind) + ")";
  const bool packet = s->kind == static_cast<uint32_t>(DeviceErrorKind::PacketTimeout);
  throw TimeoutError(ErrorSite{"Executor.run", s->rank, s->peer},
                     "plan " + pl.name + ": " + where + ", replica " + std::to_string(replica) +
                         (packet ? ": packets from peer " : ": signal from peer ") +
                         std::to_string(s->peer) + " did not arrive within " +
                         std::to_string(s->waitedNs / 1000000) + " ms (expected " +
                         std::to_string(s->expected) + ", observed " + std::to_string(s->observed) + ")");
}

}  // namespace lccl
