// The simulator's buffers (real bytes, aliasing as the plan says) and the
// reference results of each collective.
#include "sim_memory.hpp"

#include <algorithm>
#include <cstring>

namespace lccl::plan::detail {
namespace {

bool isPacketMemory(const Plan& p, Buffer b) {
  return p.protocol == Protocol::LL && b == Buffer::Scratch;
}

uint64_t randomInput(std::mt19937_64& rng, ReduceKind op) {
  if (op == ReduceKind::Prod) return (rng() % 32768) * 2 + 1;  // odd: products never vanish
  return 1 + rng() % 65535;
}

}  // namespace

SimMemory::SimMemory(const Plan& plan, uint32_t chunkElems) : plan_(plan), elems_(chunkElems) {}

uint64_t SimMemory::bytesNeeded(const Plan& plan, uint32_t chunkElems) {
  uint64_t perRank = 0;
  for (int b = 0; b < kNumBuffers; ++b) {
    Buffer buf = static_cast<Buffer>(b);
    if (aliased(plan, buf)) continue;
    perRank += uint64_t{plan.chunks[b]} * chunkElems * sizeof(uint64_t) *
               (isPacketMemory(plan, buf) ? 2 : 1);
  }
  return perRank * plan.ranks.size();
}

void SimMemory::initialise(std::mt19937_64& rng) {
  size_t n = plan_.ranks.size();
  for (int b = 0; b < kNumBuffers; ++b) {
    Buffer buf = static_cast<Buffer>(b);
    bytes_[b].assign(n, {});
    if (aliased(plan_, buf)) continue;
    bool packets = isPacketMemory(plan_, buf);
    for (size_t r = 0; r < n; ++r) {
      auto& mem = bytes_[b][r];
      mem.resize(uint64_t{plan_.chunks[b]} * chunkBytes() * (packets ? 2 : 1));
      for (size_t off = 0; off + 8 <= mem.size(); off += 8) {
        uint64_t poison = 0xBAD0000000000000ull | (rng() & 0xFFFFFFFFFFFFull);
        if (packets) poison &= 0xFFFFFFFFull;  // flag words (the high halves) start at 0
        std::memcpy(mem.data() + off, &poison, 8);
      }
    }
  }
  inputs_.assign(n, {});
  uint32_t inChunks = plan_.bufferChunks(Buffer::Input);
  for (size_t r = 0; r < n; ++r) {
    inputs_[r].resize(uint64_t{inChunks} * elems_);
    for (auto& v : inputs_[r]) v = randomInput(rng, plan_.reduce);
    write(static_cast<int>(r), Buffer::Input, 0, inChunks, inputs_[r].data());
  }
}

const uint8_t* SimMemory::at(int rank, Buffer buffer, uint32_t chunk) const {
  Location loc = resolve(plan_, rank, buffer, chunk);
  uint64_t scale = isPacketMemory(plan_, loc.buffer) ? 2 : 1;
  return bytes_[static_cast<int>(loc.buffer)][rank].data() + loc.chunk * chunkBytes() * scale;
}

uint8_t* SimMemory::at(int rank, Buffer buffer, uint32_t chunk) {
  return const_cast<uint8_t*>(static_cast<const SimMemory*>(this)->at(rank, buffer, chunk));
}

void SimMemory::read(int rank, Buffer buffer, uint32_t chunk, uint32_t count, uint64_t* out) const {
  std::memcpy(out, at(rank, buffer, chunk), count * chunkBytes());
}

void SimMemory::write(int rank, Buffer buffer, uint32_t chunk, uint32_t count, const uint64_t* in) {
  std::memcpy(at(rank, buffer, chunk), in, count * chunkBytes());
}

// LL16 layout: every 8 data bytes -> {data0, flag, data1, flag}.
void SimMemory::writePackets(int rank, uint32_t chunk, uint32_t count, const uint64_t* in) {
  uint8_t* p = at(rank, Buffer::Scratch, chunk);
  for (uint64_t i = 0; i < uint64_t{count} * elems_; ++i) {
    uint32_t words[4] = {static_cast<uint32_t>(in[i]), kPacketFlag,
                         static_cast<uint32_t>(in[i] >> 32), kPacketFlag};
    std::memcpy(p + 16 * i, words, 16);
  }
}

bool SimMemory::readPackets(int rank, uint32_t chunk, uint32_t count, uint64_t* out) const {
  const uint8_t* p = at(rank, Buffer::Scratch, chunk);
  for (uint64_t i = 0; i < uint64_t{count} * elems_; ++i) {
    uint32_t words[4];
    std::memcpy(words, p + 16 * i, 16);
    if (words[1] != kPacketFlag || words[3] != kPacketFlag) return false;
    out[i] = words[0] | (uint64_t{words[2]} << 32);
  }
  return true;
}

uint64_t combine(ReduceKind op, uint64_t a, uint64_t b) {
  switch (op) {
    case ReduceKind::Prod: return a * b;
    case ReduceKind::Max: return std::max(a, b);
    case ReduceKind::Min: return std::min(a, b);
    default: return a + b;  // sum, and avg before its final division
  }
}

namespace {

// Element e of the reduction over all ranks of input elements [offset, ...).
uint64_t reduced(const Plan& p, const SimMemory& mem, uint64_t offset) {
  uint64_t acc = mem.input(0)[offset];
  for (int q = 1; q < p.nranks; ++q) acc = combine(p.reduce, acc, mem.input(q)[offset]);
  return p.reduce == ReduceKind::Avg ? acc / static_cast<uint64_t>(p.nranks) : acc;
}

}  // namespace

bool expectedOutput(const Plan& p, const SimMemory& mem, int rank, std::vector<uint64_t>& out) {
  uint64_t e = mem.chunkElems();
  uint64_t outElems = uint64_t{p.bufferChunks(Buffer::Output)} * e;
  uint64_t inElems = uint64_t{p.bufferChunks(Buffer::Input)} * e;
  uint64_t n = static_cast<uint64_t>(p.nranks);
  out.assign(outElems, 0);
  switch (p.collective) {
    case Collective::AllReduce:
      for (uint64_t i = 0; i < outElems; ++i) out[i] = reduced(p, mem, i);
      return true;
    case Collective::Reduce:
      if (rank != p.root) return false;
      for (uint64_t i = 0; i < outElems; ++i) out[i] = reduced(p, mem, i);
      return true;
    case Collective::Broadcast: out = mem.input(p.root); return true;
    case Collective::AllGather:
      for (uint64_t q = 0; q < n; ++q)
        std::copy_n(mem.input(static_cast<int>(q)).begin(), inElems, out.begin() + q * inElems);
      return true;
    case Collective::ReduceScatter:
      for (uint64_t i = 0; i < outElems; ++i) out[i] = reduced(p, mem, rank * outElems + i);
      return true;
    case Collective::AllToAll: {
      uint64_t block = inElems / n;
      for (uint64_t q = 0; q < n; ++q)
        std::copy_n(mem.input(static_cast<int>(q)).begin() + rank * block, block,
                    out.begin() + q * block);
      return true;
    }
  }
  return false;
}

}  // namespace lccl::plan::detail
