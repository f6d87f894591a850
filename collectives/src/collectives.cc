// Collectives: setup (scratch, channels) and the one enqueue path that every
// public entry point goes through.
#include "lccl/collectives.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "algorithm.hpp"
#include "collectives_impl.hpp"
#include "kernel_args.hpp"
#include "launch.hpp"
#include "p2p.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/logging.hpp"
#include "lccl/primitives/memory_channel.hpp"

namespace lccl {

using detail::Algo;
using detail::Choice;
using detail::Kind;
using detail::Path;

// The ranks of my node (global ids n*L .. n*L+L-1) must reach each other
// with load/store (NVLink or PCIe).
static void checkNodePeers(const Communicator& c, const detail::NodeLayout& nl) {
  if (nl.nodeSize > detail::kMaxRanks)
    throw InvalidUsageError(ErrorSite{"Collectives", c.rank()},
                            std::to_string(nl.nodeSize) + " ranks in a node: at most " +
                                std::to_string(detail::kMaxRanks) + " are supported");
  for (int i = 0; i < nl.nodeSize; ++i) {
    const int p = nl.node * nl.nodeSize + i;
    if (p == c.rank()) continue;
    LinkType l = c.link(p);
    if (l != LinkType::NVLink && l != LinkType::PCIe && l != LinkType::Self)
      throw InvalidUsageError(ErrorSite{"Collectives", c.rank(), p},
                              std::string("peer of this node is reachable only over the ") +
                                  linkTypeName(l));
  }
}

// exchangeMemory restricted to my node; index = index in the node.
std::vector<RegisteredMemory> Collectives::Impl::exchangeInNode(const RegisteredMemory& mine,
                                                               int tag) {
  Communicator& c = *comm;
  const int first = nodes.node * nodes.nodeSize;
  std::vector<RegisteredMemory> out(nranks);
  for (int i = 0; i < nranks; ++i)
    if (i != rank) c.sendMemory(mine, first + i, tag);
  for (int i = 0; i < nranks; ++i)
    out[i] = i == rank ? mine : c.recvMemory(first + i, tag);
  return out;
}

// LCCL_PROTO for the collectives other than AllReduce; a value of
// NCCL_PROTO that names none of lccl's protocols is ignored, as for AllReduce.
static unsigned protosFromEnv() {
  const auto& e = Env::instance().entry("LCCL_PROTO");
  try {
    return detail::protoMask(e.value);
  } catch (const InvalidArgumentError&) {
    if (e.source == EnvSource::Lccl) throw;
    return detail::kAllProtos;
  }
}

void Collectives::Impl::setup() {
  Communicator& c = *comm;
  worldRank = c.rank();
  worldSize = c.size();
  nodes = detail::nodeLayout(c);
  rank = nodes.nodeRank;
  nranks = nodes.nodeSize;
  checkNodePeers(c, nodes);
  LCCL_CUDA_CHECK(cudaDeviceGetAttribute(&smCount, cudaDevAttrMultiProcessorCount, c.device()));
  smCount = std::min(smCount, detail::kMaxBlocks);
  const auto ctas = [&](const char* name, int64_t dflt) {
    const int64_t v = Env::instance().integer(name);
    return static_cast<int>(std::clamp<int64_t>(v > 0 ? v : dflt, 1, smCount));
  };
  minBlocks = ctas("LCCL_MIN_CTAS", 1);
  maxBlocks = std::max(minBlocks, ctas("LCCL_MAX_CTAS", smCount));
  limits.protos = protosFromEnv();
  limits.ll128Total = static_cast<size_t>(Env::instance().size("LCCL_LL128_MAX_BYTES"));
  if (limits.ll128Total == 0) limits.ll128Total = detail::defaultLL128TotalBytes(nranks);
  limits.llTotal = static_cast<size_t>(Env::instance().size("LCCL_LL_MAX_BYTES"));
  if (limits.llTotal == 0) limits.llTotal = detail::defaultLLTotalBytes(nranks);
  limits.pipeMin = static_cast<size_t>(Env::instance().size("LCCL_PIPE_MIN_BYTES"));
  if (limits.pipeMin == 0) limits.pipeMin = detail::defaultPipeMinBytes(nranks);
  limits.pushPipeMin = static_cast<size_t>(Env::instance().size("LCCL_PUSH_PIPE_MIN_BYTES"));
  if (limits.pushPipeMin == 0) limits.pushPipeMin = detail::defaultPushPipeMinBytes(nranks);
  limits.direct = static_cast<int>(Env::instance().integer("LCCL_DIRECT"));
  limits.directChunk = static_cast<size_t>(Env::instance().size("LCCL_DIRECT_CHUNK_BYTES"));
  limits.ll128Split = static_cast<int>(Env::instance().integer("LCCL_LL128_SPLIT"));
  layout = detail::ScratchLayout::make(nranks);
  LCCL_CUDA_CHECK(cudaMalloc(&scratch, layout.totalBytes));
  LCCL_CUDA_CHECK(cudaMemset(scratch, 0, layout.totalBytes));
  LCCL_CUDA_CHECK(cudaMalloc(&preMulBuf, detail::kSimpleChunkBytes));
  LCCL_CUDA_CHECK(cudaMalloc(&state, sizeof(detail::CollState)));
  LCCL_CUDA_CHECK(cudaMemset(state, 0, sizeof(detail::CollState)));
  LCCL_CUDA_CHECK(cudaDeviceSynchronize());
  auto peersScratch = exchangeInNode(c.registerMemory(scratch, layout.totalBytes));
  base = detail::KernelArgs{};
  std::vector<MemoryChannelDeviceHandle> table(nranks);
  for (int p = 0; p < nranks; ++p) {
    if (p == rank) continue;
    const int peer = nodes.node * nodes.nodeSize + p;
    auto conn = c.connect(peer);
    ll128 = ll128 && conn->caps().wholeLines128;
    auto sem = std::make_shared<MemoryDevice2DeviceSemaphore>(c, conn);
    channels.emplace_back(sem, peersScratch[p], scratch, scratch);
    table[p] = channels.back().deviceHandle();
  }
  for (int p = 0; p < nranks; ++p) base.ch[p] = table[p];
  if (!ll128) {
    limits.protos &= ~detail::protoBit(detail::Proto::LL128);
    LCCL_INFO("LL128 off: a peer's link does not deliver 128-byte lines whole (PCIe)");
  }
  if (nodes.nodes == 1) setupP2P(peersScratch);
  else crossNode = std::make_unique<detail::CrossNode>(c, nodes);
  base.state = state;
  base.scratch = static_cast<char*>(scratch);
  base.layout = layout;
  base.rank = rank;
  base.nranks = nranks;
  c.bootstrap().barrier();
}

Collectives::Collectives(std::shared_ptr<Communicator> comm) : impl_(std::make_unique<Impl>()) {
  if (!comm) throw InvalidArgumentError(ErrorSite{"Collectives"}, "null communicator");
  impl_->comm = std::move(comm);
  impl_->setup();
}

Collectives::~Collectives() {
  if (!impl_) return;
  (void)cudaDeviceSynchronize();
  impl_->crossNode.reset();
  impl_->channels.clear();
  if (impl_->scratch) (void)cudaFree(impl_->scratch);
  if (impl_->state) (void)cudaFree(impl_->state);
  if (impl_->preMulBuf) (void)cudaFree(impl_->preMulBuf);
  if (impl_->p2pTable) (void)cudaFree(impl_->p2pTable);
  if (impl_->p2pState) (void)cudaFree(impl_->p2pState);
}

// Bootstrap tag of the window exchanges (apart from setup's).
constexpr int kWindowTag = detail::kCollTagBase + 1;

Collectives::WindowHandle Collectives::registerWindow(void* ptr, size_t bytes) {
  Impl& m = *impl_;
  const ErrorSite site{"registerWindow", m.worldRank};
  if (ptr == nullptr || bytes == 0) throw InvalidArgumentError(site, "null or empty window");
  Impl::Window w{m.nextWindowId++, {reinterpret_cast<uintptr_t>(ptr), bytes}, {}};
  w.peers = m.exchangeInNode(m.comm->registerMemory(ptr, bytes), kWindowTag);
  m.comm->bootstrap().barrier();
  m.windows.push_back(std::move(w));
  LCCL_INFO("registerWindow %llu: %zu bytes", static_cast<unsigned long long>(m.windows.back().id),
            bytes);
  return m.windows.back().id;
}

void Collectives::deregisterWindow(WindowHandle window) {
  Impl& m = *impl_;
  auto it = std::find_if(m.windows.begin(), m.windows.end(),
                         [&](const Impl::Window& w) { return w.id == window; });
  if (it == m.windows.end())
    throw InvalidArgumentError(ErrorSite{"deregisterWindow", m.worldRank},
                               "unknown window " + std::to_string(window));
  // No peer may still map this rank's window when it goes: every rank drops
  // its mappings, then the barrier.
  m.windows.erase(it);
  m.comm->bootstrap().barrier();
}

Communicator& Collectives::comm() const { return *impl_->comm; }

// Parses an LCCL_ALGO/LCCL_PROTO override; NCCL_* values name NCCL's own
// algorithms, so an unknown one there is ignored rather than fatal.
static Choice withOverrides(Choice c, size_t bytes, int nranks) {
  const Env& env = Env::instance();
  const auto& algo = env.entry("LCCL_ALGO");
  const auto& proto = env.entry("LCCL_PROTO");
  try {
    return detail::applyOverrides(c, bytes, nranks, algo.value, proto.value);
  } catch (const InvalidArgumentError&) {
    if (algo.source == EnvSource::Lccl || proto.source == EnvSource::Lccl) throw;
    return c;
  }
}

Choice Collectives::Impl::choose(size_t bytes) const {
  const Choice d = detail::selectAllReduce(bytes, nranks);
  const Choice c = algoOverride.empty() && protoOverride.empty()
                       ? withOverrides(d, bytes, nranks)
                       : detail::applyOverrides(d, bytes, nranks, algoOverride, protoOverride);
  return ll128 ? c : detail::withoutProto(c, bytes, nranks, detail::Proto::LL128);
}

void Collectives::setAllReduceOverride(const std::string& algo, const std::string& proto) {
  detail::applyOverrides(detail::selectAllReduce(1, impl_->nranks), 1, impl_->nranks, algo, proto);
  impl_->algoOverride = algo;
  impl_->protoOverride = proto;
}

void Collectives::setProtocols(const std::string& proto) {
  Impl& m = *impl_;
  m.limits.protos = proto.empty() ? protosFromEnv() : detail::protoMask(proto);
  if (!m.ll128) m.limits.protos &= ~detail::protoBit(detail::Proto::LL128);
}

// One collective call, as the public entry points describe it.
struct CollOp {
  Kind kind;
  const void* send;
  void* recv;
  size_t count;  // elements per piece (see each entry point)
  DataType type;
  Reduction op;
  int root;  // -1: not rooted
  cudaStream_t stream;
  const char* name;
};

namespace {

// How one call is cut into launches.
struct Plan {
  Path path;
  size_t piece;       // bytes per piece
  size_t sendStride;  // see KernelArgs
  size_t recvStride;
  size_t chunk;       // bytes per launch (staged); == piece for LL
  int blocks;
};

constexpr size_t kRootedSpreadBytes = 1u << 20;  // Reduce spreads from here
constexpr size_t kDirectFromBytes = 64u << 20;    // two ranks: direct from here

bool isReduction(Kind k) {
  return k == Kind::AllReduce || k == Kind::ReduceScatter || k == Kind::Reduce;
}


const char* pathName(Path p) {
  switch (p) {
    case Path::LL: return "LL one-shot";
    case Path::TwoShotLL: return "LL two-shot";
    case Path::RootedLL: return "LL rooted";
    case Path::TwoShot: return "Simple two-shot";
    case Path::TwoShotPipe: return "Simple two-shot, pipelined";
    case Path::Staged: return "Simple staged";
    case Path::Push: return "Simple push";
    case Path::PushPipe: return "Simple push, pipelined";
    case Path::Direct: return "Simple direct, pipelined";
    case Path::LL128: return "LL128 one-shot";
    case Path::TwoShotLL128: return "LL128 two-shot";
  }
  return "?";
}

// LL kernels: one thread per 8-byte word of a piece, at most one block per SM.
int llBlocks(size_t piece, int smCount) {
  const size_t words = (piece + 7) / 8;
  return static_cast<int>(std::min<size_t>((words + detail::kThreads - 1) / detail::kThreads,
                                           static_cast<size_t>(smCount)));
}

// Staged: about one block per 16 KiB of a chunk's pieces, at least 8, at most
// one per SM (blocks of one rank wait for their namesakes on the others).
int stagedBlocks(size_t piece, int smCount) {
  return static_cast<int>(std::min<size_t>(std::max<size_t>(piece / (16u << 10), 8),
                                           static_cast<size_t>(smCount)));
}

Path twoShotPath(size_t piece, const detail::SizeLimits& lim) {
  return piece >= lim.pipeMin ? Path::TwoShotPipe : Path::TwoShot;
}

// Two ranks: where the direct path serves Reduce and Broadcast beyond LL.
// Measured on 2 H100s against the two-shot Reduce and the scatter + gather
// Broadcast: ahead from 64 MiB (256 MiB: Reduce 795 -> 751 us, Broadcast
// 782 -> 733), and for Reduce in one chunk (4 MiB: 25.0 -> 23.3 us, one copy
// less); behind at 8 - 32 MiB (Reduce 16 MiB: 58.6 vs 62.9 us), where a
// chunk's fence and the last chunk's reduction are not hidden.
bool directServes(Kind k, size_t piece, int mode) {
  if (mode != 1) return mode >= 2;
  return piece >= kDirectFromBytes || (k == Kind::Reduce && piece <= detail::kDirectMinChunk);
}

// Three ranks and more: where the chain (the direct path relayed from rank
// to rank) serves Broadcast beyond LL16 and LL128. Every link then carries
// the data once, against the scatter + gather's twice on the root's links.
bool chainServes(size_t piece, int mode) {
  if (mode != 1) return mode >= 2;
  return piece > detail::kBroadcastLL128MaxBytes;
}

Path choosePath(const CollOp& op, size_t piece, int nranks, Choice arChoice,
                const detail::SizeLimits& lim) {
  if (op.kind == Kind::AllReduce) {
    if (arChoice.proto == detail::Proto::Simple) return twoShotPath(piece, lim);
    const bool one = arChoice.algo == Algo::OneShot;
    if (arChoice.proto == detail::Proto::LL128) return one ? Path::LL128 : Path::TwoShotLL128;
    return one ? Path::LL : Path::TwoShotLL;
  }
  // Broadcast and Reduce: LL while a piece fits the LL slot and the LL
  // limit (4 ranks: 512 KiB, 2 ranks: 2 MiB). Beyond, two ranks stream the
  // data from one rank to the other (direct). More ranks: two-shot LL128
  // (rootedLL128Serves), then Reduce staged (two barriers) for mid sizes;
  // for large ones the two-shot push with the shards reduced into the root,
  // which spreads the traffic over every link instead of converging on the
  // root's. Broadcast: scatter + gather through the stages up to 8 MiB, a
  // chain beyond (chainServes).
  const bool rooted = op.kind == Kind::Reduce || op.kind == Kind::Broadcast;
  if (rooted && piece <= std::min(detail::llCapacity(nranks), lim.llTotal)) return Path::RootedLL;
  if (rooted && (lim.protos & detail::protoBit(detail::Proto::LL128)) &&
      detail::rootedLL128Serves(piece, nranks, op.kind == Kind::Broadcast))
    return Path::TwoShotLL128;
  if (rooted && nranks == 2 && directServes(op.kind, piece, lim.direct)) return Path::Direct;
  if (op.kind == Kind::Broadcast && nranks >= 3 && chainServes(piece, lim.direct)) return Path::Direct;
  if (op.kind == Kind::Reduce) return piece >= kRootedSpreadBytes ? twoShotPath(piece, lim) : Path::Staged;
  if (op.kind == Kind::Broadcast) return Path::Staged;
  // AllGather, ReduceScatter, AllToAll: LL, then LL128, then Simple, as far
  // as each is allowed (LCCL_PROTO) and within its limits.
  const size_t total = piece * nranks;
  const bool ll = (lim.protos & detail::protoBit(detail::Proto::LL)) &&
                  piece <= detail::llCapacity(nranks) && total <= lim.llTotal;
  const bool ll128 = (lim.protos & detail::protoBit(detail::Proto::LL128)) &&
                     detail::ll128Fits(piece, nranks) && total <= lim.ll128Total;
  return ll ? Path::LL : ll128 ? Path::LL128 : Path::Push;
}

// LL128 kernels: one warp per unit (480 data bytes) of a piece, at most one
// block per SM.
int ll128Blocks(size_t piece, int smCount) {
  const size_t warps = detail::kThreads / 32;
  const size_t blocks = (ll128Units(piece) + warps - 1) / warps;
  return static_cast<int>(std::min<size_t>(std::max<size_t>(blocks, 1), static_cast<size_t>(smCount)));
}

// LL128: sender and receiver blocks apart where ll128Split says. Not where
// a receiver's store can overwrite input a sender has yet to read (one-shot
// AllReduce and AllToAll in place). Returns the grid.
int splitRoles(const CollOp& op, Path path, size_t piece, int blocks, const detail::SizeLimits& lim,
               int smCount, int nranks, detail::KernelArgs& a) {
  if (path != Path::LL128 && path != Path::TwoShotLL128) return blocks;
  const bool allReduce = op.kind == Kind::AllReduce;
  const bool rooted = op.kind == Kind::Reduce || op.kind == Kind::Broadcast;
  if (rooted && lim.ll128Split == 1) return blocks;  // by size: not measured for them
  const size_t total = allReduce || rooted ? piece : piece * static_cast<size_t>(nranks);
  const int perSm = detail::ll128Split(lim.ll128Split, allReduce || rooted, path == Path::TwoShotLL128, total, nranks);
  const bool inPlace = op.send == op.recv;
  if (perSm == 0 || (inPlace && (op.kind == Kind::AllToAll || path == Path::LL128))) return blocks;
  const int grid = std::min(2 * blocks, std::min(perSm * smCount, detail::kMaxBlocks));
  if (grid < 2) return blocks;
  a.sendBlocks = grid / 2;
  LCCL_INFO("%s: LL128 split, %d sender and %d receiver blocks", op.name, a.sendBlocks,
            grid - a.sendBlocks);
  return grid;
}

Plan makePlan(const CollOp& op, size_t piece, int nranks, Choice arChoice, int smCount,
              const detail::SizeLimits& lim) {
  Plan p{choosePath(op, piece, nranks, arChoice, lim), piece, 0, 0, detail::kSimpleChunkBytes, 0};
  const bool perPeerSend = op.kind == Kind::ReduceScatter || op.kind == Kind::AllToAll;
  const bool perPeerRecv = op.kind == Kind::AllGather || op.kind == Kind::AllToAll;
  p.sendStride = perPeerSend ? piece : 0;
  p.recvStride = perPeerRecv ? piece : 0;
  // The pipelined push needs the whole input in one launch, which a
  // PreMulSum's scaled copy (at most kSimpleChunkBytes) cannot hold.
  const bool preMul = op.op.op == ReduceOp::PreMulSum && isReduction(op.kind);
  if (p.path == Path::Push && piece >= lim.pushPipeMin && !preMul) p.path = Path::PushPipe;
  if (p.path == Path::Push) p.chunk = detail::pushChunkBytes(nranks);
  if (p.path == Path::PushPipe) p.chunk = piece;
  if (p.path == Path::TwoShot) p.chunk = detail::kTwoShotChunkBytes;
  if (p.path == Path::TwoShotPipe || p.path == Path::Direct) p.chunk = piece;  // pipelined inside
  const bool ll = p.path == Path::LL || p.path == Path::TwoShotLL || p.path == Path::RootedLL;
  const bool ll128 = p.path == Path::LL128 || p.path == Path::TwoShotLL128;
  if (ll || ll128) p.chunk = piece;
  const bool twoShot = p.path == Path::TwoShotLL || p.path == Path::TwoShotLL128;
  const size_t perBlockBytes = twoShot ? piece / nranks : piece;
  p.blocks = ll ? llBlocks(perBlockBytes, smCount)
                : ll128 ? ll128Blocks(perBlockBytes, smCount) : stagedBlocks(piece, smCount);
  return p;
}

void checkOp(const CollOp& op, int rank, int nranks) {
  ErrorSite site{op.name, rank};
  if (static_cast<int>(op.type) < 0 || op.type >= DataType::Count)
    throw InvalidArgumentError(site, "unknown data type " + std::to_string(static_cast<int>(op.type)));
  const ReduceOp ro = op.op.op;
  if (isReduction(op.kind) && (static_cast<int>(ro) < 0 || ro >= ReduceOp::Count))
    throw InvalidArgumentError(site, "unknown reduction op " + std::to_string(static_cast<int>(ro)));
  if (isReduction(op.kind) && ro == ReduceOp::PreMulSum && op.op.scalar == nullptr)
    throw InvalidArgumentError(site, "premulsum without a scalar");
  if (op.root != -1 && (op.root < 0 || op.root >= nranks))
    throw InvalidArgumentError(site, "root " + std::to_string(op.root) + " out of range [0, " +
                                         std::to_string(nranks) + ")");
  if (op.count > (SIZE_MAX / 16) / dataTypeSize(op.type) / static_cast<size_t>(nranks))
    throw InvalidArgumentError(site, "count " + std::to_string(op.count) + " overflows");
  if (op.count == 0) return;
  const bool rootOnlyRecv = op.kind == Kind::Reduce;
  const bool rootOnlySend = op.kind == Kind::Broadcast;
  if (op.send == nullptr && !(rootOnlySend && rank != op.root))
    throw InvalidArgumentError(site, "null send buffer");
  if (op.recv == nullptr && !(rootOnlyRecv && rank != op.root))
    throw InvalidArgumentError(site, "null receive buffer");
}

}  // namespace

void Collectives::Impl::enqueue(const CollOp& op) {
  if (crossNode) enqueueAcrossNodes(op);
  else enqueueInNode(op);
}

// The port path cannot be captured yet: refuse instead of recording kernels
// whose FIFO pushes and waits would not match replays.
static void rejectCapture(cudaStream_t stream, const ErrorSite& site) {
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  const cudaError_t e = cudaStreamIsCapturing(stream, &st);
  if (e != cudaSuccess) throw CudaError(site, "cudaStreamIsCapturing", e);
  if (st != cudaStreamCaptureStatusNone)
    throw InvalidUsageError(site, "CUDA graph capture of collectives across nodes is not "
                                  "supported yet");
}

// Hierarchical AllReduce / AllGather (hierarchical.hpp); other collectives
// refuse when ranks span nodes.
void Collectives::Impl::enqueueAcrossNodes(const CollOp& op) {
  const ErrorSite site{op.name, worldRank};
  if (op.kind != Kind::AllReduce && op.kind != Kind::AllGather)
    throw InvalidUsageError(site, std::string(op.name) +
                                      " across nodes is not supported yet (AllReduce and "
                                      "AllGather are)");
  checkOp(op, worldRank, worldSize);
  if (op.count == 0) return;
  rejectCapture(op.stream, site);
  const size_t piece = op.count * dataTypeSize(op.type);
  CollOp local = op;
  if (op.kind == Kind::AllReduce && op.op.op == ReduceOp::Avg) local.op = ReduceOp::Sum;
  char* recv = static_cast<char*>(op.recv);
  const size_t block = piece * static_cast<size_t>(nranks);  // AllGather: my node's pieces
  if (op.kind == Kind::AllGather) local.recv = recv + static_cast<size_t>(nodes.node) * block;
  char* myOut = static_cast<char*>(local.recv) + (op.kind == Kind::AllGather ? rank * piece : 0);
  if (nranks > 1) {
    enqueueInNode(local);
  } else if (op.send != myOut) {
    const cudaError_t e = cudaMemcpyAsync(myOut, op.send, piece, cudaMemcpyDefault, op.stream);
    if (e != cudaSuccess) throw CudaError(site, "cudaMemcpyAsync", e);
  }
  // Across nodes the node results are combined; PreMulSum has scaled them already.
  const ReduceOp across = op.op.op == ReduceOp::PreMulSum ? ReduceOp::Sum : op.op.op;
  if (op.kind == Kind::AllReduce) crossNode->allReduce(recv, piece, op.type, across, op.stream);
  else crossNode->allGather(recv, block, op.stream);
}

// Whether the Simple (staged) path would serve this call, with the defaults
// and the overrides (setAllReduceOverride, LCCL_ALGO / LCCL_PROTO).
bool Collectives::Impl::simpleChosen(const CollOp& op, size_t piece) const {
  if (op.kind == Kind::AllReduce) return choose(piece).proto == detail::Proto::Simple;
  const Path p = choosePath(op, piece, nranks, Choice{Algo::TwoShot, detail::Proto::Simple}, limits);
  return p != Path::LL && p != Path::RootedLL && p != Path::LL128;
}

// The window holding [ptr, ptr+bytes) on this rank, or -1.
int Collectives::Impl::windowOf(const void* ptr, size_t bytes) const {
  for (size_t i = 0; i < windows.size(); ++i)
    if (detail::findWindow(&windows[i].local, 1, ptr, bytes) == 0) return static_cast<int>(i);
  return -1;
}

// Whether this call runs zero-copy (see registerWindow), with its arguments:
// the buffers that peers reach (detail::windowSpans) lie in windows (looked up
// locally), the Simple path would serve it
// (detail::zeroCopyServes), it is not PreMulSum (which scales a copy), and an
// AllToAll is out of place.
bool Collectives::Impl::zeroCopyArgs(const CollOp& op, size_t piece, detail::ZeroCopyArgs& z) const {
  if (windows.empty() || crossNode || op.op.op == ReduceOp::PreMulSum) return false;
  if (op.kind == Kind::AllToAll && op.send == op.recv) return false;
  if (!detail::zeroCopyServes(op.kind, piece, nranks, simpleChosen(op, piece))) return false;
  const detail::WindowSpans span = detail::windowSpans(op.kind, piece, nranks);
  const int ws = span.send ? windowOf(op.send, span.send) : -1;
  const int wr = span.recv ? windowOf(op.recv, span.recv) : -1;
  if ((span.send && ws < 0) || (span.recv && wr < 0)) return false;
  z = detail::ZeroCopyArgs{};
  z.desc.windows = (ws < 0 ? 0 : windows[ws].id) << 32 | (wr < 0 ? 0 : windows[wr].id & 0xffffffffu);
  z.desc.sendOff = ws < 0 ? 0 : reinterpret_cast<uintptr_t>(op.send) - windows[ws].local.base;
  z.desc.recvOff = wr < 0 ? 0 : reinterpret_cast<uintptr_t>(op.recv) - windows[wr].local.base;
  z.desc.bytes = piece;
  z.desc.what = static_cast<uint64_t>(op.kind);
  for (int p = 0; p < nranks; ++p) {
    if (ws >= 0) z.send[p] = static_cast<const char*>(windows[ws].peers[p].data()) + z.desc.sendOff;
    if (wr >= 0) z.recv[p] = static_cast<char*>(windows[wr].peers[p].data()) + z.desc.recvOff;
  }
  z.send[rank] = static_cast<const char*>(op.send);
  z.recv[rank] = static_cast<char*>(op.recv);
  return true;
}

void Collectives::Impl::launchZeroCopy(const CollOp& op, const detail::ZeroCopyArgs& z,
                                       size_t piece) {
  const int blocks = std::clamp(stagedBlocks(piece, smCount), minBlocks, maxBlocks);
  LCCL_INFO("%s: %zu bytes per piece, zero-copy (registered windows), %d blocks", op.name, piece,
            blocks);
  detail::KernelArgs a = base;
  a.send = static_cast<const char*>(op.send);
  a.recv = static_cast<char*>(op.recv);
  a.bytes = piece;
  a.sendStride = op.kind == Kind::AllToAll ? piece : 0;
  a.root = op.root;
  detail::launchZeroCopy(op.kind, a, z, op.type, op.op.op, blocks, op.stream);
  const cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{op.name, rank}, "kernel launch", st);
}

void Collectives::Impl::enqueueInNode(const CollOp& op) {
  checkOp(op, rank, nranks);
  if (op.count == 0) return;
  const size_t piece = op.count * dataTypeSize(op.type);
  detail::ZeroCopyArgs z;
  if (zeroCopyArgs(op, piece, z)) return launchZeroCopy(op, z, piece);
  const Choice arChoice = op.kind == Kind::AllReduce ? choose(piece) : Choice{Algo::TwoShot, detail::Proto::Simple};
  Plan plan = makePlan(op, piece, nranks, arChoice, smCount, limits);
  plan.blocks = std::clamp(plan.blocks, minBlocks, maxBlocks);
  if (op.op.op == ReduceOp::PreMulSum && isReduction(op.kind))
    plan.chunk = std::min(plan.chunk, detail::kSimpleChunkBytes);  // what preMulBuf holds
  LCCL_INFO("%s: %zu bytes per piece, %s, %d blocks", op.name, piece, pathName(plan.path),
            plan.blocks);
  detail::KernelArgs a = base;
  a.sendStride = plan.sendStride;
  a.recvStride = plan.recvStride;
  a.root = op.root;
  plan.blocks = splitRoles(op, plan.path, piece, plan.blocks, limits, smCount, nranks, a);
  for (size_t off = 0; off < piece; off += plan.chunk) {
    a.send = static_cast<const char*>(op.send) + (op.send ? off : 0);
    a.recv = static_cast<char*>(op.recv) + (op.recv ? off : 0);
    a.bytes = std::min(plan.chunk, piece - off);
    if (plan.path == Path::Direct)
      a.chunk = nranks == 2 ? detail::directChunkBytes(a.bytes, limits.directChunk)
                            : detail::chainChunkBytes(a.bytes, limits.directChunk);
    launchChunk(op, a, plan.path, plan.blocks);
  }
}

// PreMulSum: scale this chunk's pieces of my input into preMulBuf (packed,
// at most kSimpleChunkBytes: every path's chunk x pieces fits), then sum them.
static detail::KernelArgs preMultiplied(const CollOp& op, detail::KernelArgs a, void* buf,
                                        int nranks) {
  detail::PreMulArgs m{};
  m.src = a.send;
  m.dst = static_cast<char*>(buf);
  m.bytes = a.bytes;
  m.srcStride = a.sendStride;
  m.dstStride = a.bytes;
  m.pieces = a.sendStride ? nranks : 1;
  if (op.op.scalarOnDevice) m.scalarDev = op.op.scalar;
  else std::memcpy(&m.scalarBits, op.op.scalar, dataTypeSize(op.type));
  detail::launchPreMultiply(op.type, m, op.stream);
  a.send = m.dst;
  a.sendStride = a.sendStride ? a.bytes : 0;
  return a;
}

void Collectives::Impl::launchChunk(const CollOp& op, detail::KernelArgs a, Path path, int blocks) {
  ReduceOp ro = op.op.op;
  if (isReduction(op.kind) && ro == ReduceOp::PreMulSum) {
    a = preMultiplied(op, a, preMulBuf, nranks);
    ro = ReduceOp::Sum;
  }
  if (isReduction(op.kind))
    detail::launchReduction(path, a, op.type, ro, blocks, op.stream);
  else
    detail::launchMovement(path, a, blocks, op.stream);
  cudaError_t st = cudaGetLastError();
  if (st != cudaSuccess) throw CudaError(ErrorSite{op.name, rank}, "kernel launch", st);
}

void Collectives::allReduce(const void* send, void* recv, size_t count, DataType type,
                            Reduction op, gpuStream_t stream) {
  impl_->enqueue({Kind::AllReduce, send, recv, count, type, op, -1, stream, "allReduce"});
}

void Collectives::allGather(const void* send, void* recv, size_t sendCount, DataType type,
                            gpuStream_t stream) {
  impl_->enqueue({Kind::AllGather, send, recv, sendCount, type, ReduceOp::Sum, -1, stream, "allGather"});
}

void Collectives::reduceScatter(const void* send, void* recv, size_t recvCount, DataType type,
                                Reduction op, gpuStream_t stream) {
  impl_->enqueue({Kind::ReduceScatter, send, recv, recvCount, type, op, -1, stream, "reduceScatter"});
}

void Collectives::broadcast(const void* send, void* recv, size_t count, DataType type, int root,
                            gpuStream_t stream) {
  if (root < 0) throw InvalidArgumentError(ErrorSite{"broadcast", impl_->rank}, "negative root");
  impl_->enqueue({Kind::Broadcast, send, recv, count, type, ReduceOp::Sum, root, stream, "broadcast"});
}

void Collectives::reduce(const void* send, void* recv, size_t count, DataType type, Reduction op,
                         int root, gpuStream_t stream) {
  if (root < 0) throw InvalidArgumentError(ErrorSite{"reduce", impl_->rank}, "negative root");
  impl_->enqueue({Kind::Reduce, send, recv, count, type, op, root, stream, "reduce"});
}

void Collectives::allToAll(const void* send, void* recv, size_t countPerPeer, DataType type,
                           gpuStream_t stream) {
  impl_->enqueue({Kind::AllToAll, send, recv, countPerPeer, type, ReduceOp::Sum, -1, stream, "allToAll"});
}

void Collectives::allToAllv(const void* send, const size_t* sendCounts, const size_t* sendDispls,
                            void* recv, const size_t* recvCounts, const size_t* recvDispls,
                            DataType type, gpuStream_t stream) {
  Impl& m = *impl_;
  if (!sendCounts || !sendDispls || !recvCounts || !recvDispls)
    throw InvalidArgumentError(ErrorSite{"allToAllv", m.rank}, "null counts or displacements");
  const size_t es = dataTypeSize(type);
  groupStart();
  try {
    for (int p = 0; p < m.nranks; ++p) {
      m.addP2P(true, static_cast<const char*>(send) + sendDispls[p] * es, sendCounts[p], type, p,
               stream, "allToAllv");
      m.addP2P(false, static_cast<char*>(recv) + recvDispls[p] * es, recvCounts[p], type, p,
               stream, "allToAllv");
    }
  } catch (...) {
    m.pending.clear();
    --m.groupDepth;
    throw;
  }
  groupEnd();
}

void Collectives::send(const void* buf, size_t count, DataType type, int peer, gpuStream_t stream) {
  impl_->addP2P(true, buf, count, type, peer, stream, "send");
  if (impl_->groupDepth == 0) impl_->flushP2P();
}

void Collectives::recv(void* buf, size_t count, DataType type, int peer, gpuStream_t stream) {
  impl_->addP2P(false, buf, count, type, peer, stream, "recv");
  if (impl_->groupDepth == 0) impl_->flushP2P();
}

void Collectives::groupStart() { ++impl_->groupDepth; }

void Collectives::groupEnd() {
  if (impl_->groupDepth == 0)
    throw InvalidUsageError(ErrorSite{"groupEnd", impl_->rank}, "groupEnd without groupStart");
  if (--impl_->groupDepth == 0) impl_->flushP2P();
}

}  // namespace lccl
