// checkPlan stages 1 and 2: buffer shapes and channel connections.
#include <string>

#include "check_internal.hpp"
#include "paths.hpp"

namespace lccl::plan::detail {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

// The chunk counts the collective implies, as (what, expected) for output or input.
void expectChunks(const Plan& p, Diagnostics& d, Buffer b, uint64_t expected,
                  const std::string& why) {
  if (p.bufferChunks(b) == expected) return;
  d.error(p.path + "buffers." + bufferName(b) + ".chunks",
          "is " + num(p.bufferChunks(b)) + ", expected " + num(expected) + " (" + why + ")");
}

// chunks_per_rank: the per-rank unit of the collective, in chunks.
uint64_t unitChunks(const Plan& p) {
  uint64_t in = p.bufferChunks(Buffer::Input);
  switch (p.collective) {
    case Collective::ReduceScatter: return p.bufferChunks(Buffer::Output);
    case Collective::AllToAll: return in / static_cast<uint64_t>(p.nranks);
    default: return in;
  }
}

}  // namespace

void checkShape(const Plan& p, Diagnostics& d) {
  uint64_t in = p.bufferChunks(Buffer::Input), out = p.bufferChunks(Buffer::Output);
  uint64_t n = static_cast<uint64_t>(p.nranks);
  std::string coll = collectiveName(p.collective);
  switch (p.collective) {
    case Collective::AllGather:
      expectChunks(p, d, Buffer::Output, n * in, "allgather: nranks x input chunks");
      break;
    case Collective::ReduceScatter:
      expectChunks(p, d, Buffer::Input, n * out, "reducescatter: nranks x output chunks");
      break;
    case Collective::AllToAll:
      expectChunks(p, d, Buffer::Output, in, "alltoall: as many as input");
      if (in % n != 0)
        d.error(p.path + "buffers.input.chunks",
                "is " + num(in) + ", not a multiple of nranks " + num(n) +
                    " (alltoall sends input chunks [q*k, q*k+k) to rank q)");
      if (p.inplace) d.error("inplace", "in-place alltoall is not supported");
      break;
    default: expectChunks(p, d, Buffer::Output, in, coll + ": as many as input");
  }
  if (p.chunksPerRank != 0 && !d.hasErrors() && p.chunksPerRank != unitChunks(p))
    d.error(p.path + "chunks_per_rank", "is " + num(p.chunksPerRank) + " but the buffers give " +
                                            num(unitChunks(p)) + " chunks per rank");
}

void checkChannels(const Plan& p, Diagnostics& d) {
  for (int r = 0; r < p.nranks; ++r) {
    const auto& channels = p.ranks[r].channels;
    for (size_t i = 0; i < channels.size(); ++i) {
      const Channel& ch = channels[i];
      std::string path = channelPath(p, r, static_cast<int32_t>(i)) + ".peer";
      std::string name = "rank " + num(r) + "'s channel " + num(ch.id);
      if (ch.peer == r) {
        d.error(path, name + " connects rank " + num(r) + " to itself");
        continue;
      }
      if (ch.peerIndex >= 0) continue;
      const auto& peerChannels = p.ranks[ch.peer].channels;
      int32_t other = -1;
      for (size_t k = 0; k < peerChannels.size(); ++k)
        if (peerChannels[k].id == ch.id) other = static_cast<int32_t>(k);
      if (other < 0)
        d.error(path, name + " goes to rank " + num(ch.peer) + ", but rank " + num(ch.peer) +
                          " has no channel " + num(ch.id) + " (both ends carry the same id)");
      else
        d.error(path, name + " goes to rank " + num(ch.peer) + ", but rank " + num(ch.peer) +
                          "'s channel " + num(ch.id) + " goes to rank " +
                          num(peerChannels[other].peer));
    }
  }
}

}  // namespace lccl::plan::detail
