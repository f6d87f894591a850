// lccl/executors/plan.hpp — the in-memory form of an execution plan.
//
// A plan (docs/plan-format.md) says, for every rank, which memory channels it
// has and what each of its threadblocks does, as a list of operations on
// chunks of three buffers (input, output, scratch). The JSON loader
// (plan_json.hpp) resolves names and channel ids, so what is here is flat and
// index-based:
//
//   RankProgram::ops      every threadblock's operations, contiguous per
//                         threadblock (Threadblock::firstOp / numOps);
//   RankProgram::refs     the chunk references of every op (srcs, then dsts,
//                         then channel-only references for signal/wait/flush);
//   RankProgram::channels the rank's channel table; refs name channels by
//                         their index in it, never by JSON id.
//
// Op, ChunkRef, Channel and Threadblock are trivially copyable and hold no
// pointers, so a GPU interpreter can copy each array to the device as is and
// turn chunk indices into byte offsets (chunk * chunkBytes) at run time.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace lccl::plan {

enum class Collective : uint8_t {
  AllReduce,
  AllGather,
  ReduceScatter,
  AllToAll,
  Broadcast,
  Reduce
};
enum class Protocol : uint8_t { Simple, LL };
// None for collectives that do not reduce. Avg: ops add; the executor divides
// the result by nranks once the plan has finished.
enum class ReduceKind : uint8_t { None, Sum, Prod, Max, Min, Avg };
enum class Buffer : uint8_t { Input = 0, Output = 1, Scratch = 2 };
constexpr int kNumBuffers = 3;

enum class OpKind : uint8_t {
  Put,             // local src -> peer's dst through the channel of dst
  Get,             // peer's src (through its channel) -> local dst
  Signal,          // release: +1 on each listed channel's semaphore at the peer
  Wait,            // acquire: consume one signal on each listed channel
  Flush,           // fence for the listed channels (no effect on the model)
  Copy,            // local src -> local dst
  Reduce,          // local srcs -> local dst, combined with the plan's ReduceKind
  ReadReduceCopy,  // srcs (local or peers') -> every dst (local or peers')
  PutPackets,      // local src -> peer's scratch as LL packets
  ReadPackets,     // local scratch packets -> local dst (blocks until they arrive)
  ReducePackets,   // srcs (scratch ones are packets) reduced -> local dst
  Barrier,         // every threadblock of the rank meets here
};
constexpr int kNumOpKinds = 12;

constexpr int32_t kLocal = -1;  // ChunkRef::channel of a reference to own memory

// `count` chunks (Op::count) of `buffer` starting at `chunk`; the buffer is the
// rank's own unless `channel` >= 0, then it is the peer's buffer that channel
// reaches (Channel::dst). For signal/wait/flush refs only `channel` is used.
struct ChunkRef {
  uint32_t chunk = 0;
  int32_t channel = kLocal;
  Buffer buffer = Buffer::Input;
  uint8_t reserved[3] = {0, 0, 0};
};

struct Op {
  OpKind kind = OpKind::Barrier;
  uint8_t reserved = 0;
  uint16_t numSrcs = 0;
  uint16_t numDsts = 0;
  uint16_t numChannels = 0;
  uint32_t count = 1;     // chunks moved per reference
  uint32_t firstRef = 0;  // index into RankProgram::refs
};

// One end of a connection. Both ends carry the same JSON id; `peerIndex` is the
// other end's index in the peer's channel table (-1 until paired).
struct Channel {
  int32_t id = 0;
  int32_t peer = 0;
  int32_t peerIndex = -1;
  Buffer src = Buffer::Input;  // local buffer put() reads and get() writes
  Buffer dst = Buffer::Input;  // the peer's buffer this channel reaches
  uint8_t hasSrc = 0;
  uint8_t hasDst = 0;
};

struct Threadblock {
  uint32_t firstOp = 0;
  uint32_t numOps = 0;
};

static_assert(std::is_trivially_copyable_v<ChunkRef> && sizeof(ChunkRef) == 12, "ChunkRef");
static_assert(std::is_trivially_copyable_v<Op> && sizeof(Op) == 16, "Op");
static_assert(std::is_trivially_copyable_v<Channel>, "Channel");
static_assert(std::is_trivially_copyable_v<Threadblock>, "Threadblock");

struct RankProgram {
  std::vector<Channel> channels;
  std::vector<Threadblock> threadblocks;
  std::vector<Op> ops;
  std::vector<ChunkRef> refs;

  const ChunkRef* srcs(const Op& op) const { return refs.data() + op.firstRef; }
  const ChunkRef* dsts(const Op& op) const { return srcs(op) + op.numSrcs; }
  const ChunkRef* chans(const Op& op) const { return dsts(op) + op.numDsts; }
};

struct Plan {
  std::string name;
  std::string path;  // JSON path prefix of this plan in its file ("" or "variants[1].plan.")
  Collective collective = Collective::AllReduce;
  int nranks = 0;
  Protocol protocol = Protocol::Simple;
  ReduceKind reduce = ReduceKind::None;
  int root = -1;  // broadcast / reduce only
  bool inplace = false;
  uint32_t chunks[kNumBuffers] = {0, 0, 0};  // per buffer, the same on every rank
  uint32_t chunksPerRank = 0;                // as declared (0: not given); checked, not used
  std::vector<RankProgram> ranks;            // index = rank

  uint32_t bufferChunks(Buffer b) const { return chunks[static_cast<int>(b)]; }
};

// A plan file holds one plan or several variants chosen by message size (the
// bytes of each rank's input buffer): variant i serves [minBytes, maxBytes).
struct Variant {
  uint64_t minBytes = 0;
  uint64_t maxBytes = UINT64_MAX;
  Plan plan;
};
struct PlanFile {
  std::string name;
  bool hasVariants = false;
  std::vector<Variant> variants;  // one, covering everything, for a single plan

  const Plan* select(uint64_t bytes) const;  // nullptr when no variant covers `bytes`
};

// Limits the loader enforces (a plan beyond them is reported, never allocated).
constexpr int kMaxRanks = 256;
constexpr uint32_t kMaxChunks = 1u << 20;
constexpr uint32_t kMaxThreadblocksPerRank = 1024;
constexpr uint32_t kMaxThreadblocksTotal = 2048;
constexpr uint32_t kMaxChannelsPerRank = 4096;
constexpr uint64_t kMaxOpsTotal = 1u << 20;
constexpr uint32_t kMaxRefsPerOp = 1024;

// JSON spellings.
const char* collectiveName(Collective c);
const char* protocolName(Protocol p);
const char* reduceKindName(ReduceKind r);
const char* bufferName(Buffer b);
const char* opKindName(OpKind k);
bool collectiveReduces(Collective c);

// "ranks[2].threadblocks[0].ops[5]" (with the plan's prefix) for op `opIndex`
// of rank `rank`'s program.
std::string opPath(const Plan& plan, int rank, uint32_t opIndex);
uint32_t threadblockOf(const RankProgram& prog, uint32_t opIndex);

// Where a chunk of a buffer really lives: in-place plans alias input and
// output (allreduce/broadcast/reduce: the same memory; allgather: input is
// output chunks [rank*k, rank*k+k); reducescatter: output is input chunks
// [rank*k, rank*k+k)). `buffer` is the buffer whose memory holds it.
struct Location {
  Buffer buffer;
  uint32_t chunk;
};
Location resolve(const Plan& plan, int rank, Buffer buffer, uint32_t chunk);
bool aliased(const Plan& plan, Buffer buffer);  // true when `buffer` lives inside another

}  // namespace lccl::plan
