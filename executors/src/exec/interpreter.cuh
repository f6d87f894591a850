// The plan interpreter: one device function per op kind. Semantics are those
// of the CPU simulator (executors/src/plan/simulate.cc): an op reads every
// source chunk (LL scratch through its packets), combines them in order with
// the reduction, and stores into every destination (put-packets as packets).
//
// Block mapping: block b runs threadblock b % numTbs of the plan on replica
// b / numTbs. Replica j handles bytes [begin, end) of every chunk (16-byte
// aligned cuts, the last replica takes the tail), so replicas are independent
// executions of the plan on disjoint parts of the chunks, each with its own
// semaphore counters and barrier.
#pragma once

#include <cstdint>

#include "exec_args.hpp"
#include "lccl/collectives/reduce.cuh"
#include "lccl/primitives/arch/ops.hpp"
#include "lccl/primitives/detail/copy_device.hpp"
#include "lccl/primitives/detail/packet_impl.hpp"
#include "lccl/primitives/detail/semaphore_impl.hpp"
#include "lccl/primitives/detail/wait.hpp"
#include "lccl/primitives/packet.hpp"
#include "lccl/primitives/semaphore_device.hpp"

namespace lccl::exec {

using plan::Buffer;
using plan::ChunkRef;
using plan::Op;
using plan::OpKind;


// Where this block stands.
struct Block {
  uint32_t tb;
  uint32_t replica;
  uint32_t opIndex;  // index into ExecArgs::ops of the running op
  uint64_t begin;    // this replica's bytes [begin, end) of every chunk
  uint64_t end;
  uint32_t flag;     // LL flag of this call
};

__device__ __forceinline__ bool isPackets(const ExecArgs& a, Buffer b) {
  return a.llScratch && b == Buffer::Scratch;
}

// Address of chunk (ref.chunk + t) of the reference's buffer (own or the peer's).
__device__ __forceinline__ char* refChunk(const ExecArgs& a, const ChunkRef& r, uint32_t t,
                                          uint32_t flag) {
  const bool packets = isPackets(a, r.buffer);
  uint64_t chunk = uint64_t{r.chunk} + t;
  char* base;
  if (r.channel < 0) {
    base = a.base[static_cast<int>(r.buffer)];
  } else {
    const DevChannel& c = a.channels[r.channel];
    base = c.dst;
    chunk += c.dstChunkOffset;
  }
  if (packets) base += (flag & 1u) * a.parityBytes;
  return base + chunk * (packets ? a.packetChunkBytes : a.chunkBytes);
}

__device__ __forceinline__ DeviceWaitBound waitBound(const ExecArgs& a, const Block& blk, int peer) {
  return DeviceWaitBound{a.errorSlot, a.timeoutNs, a.rank, peer,
                         waitObjectId(blk.opIndex, blk.replica), 0};
}

// The semaphore of channel `c` for this block's replica.
__device__ __forceinline__ MemoryDevice2DeviceSemaphoreDeviceHandle semaphoreOf(
    const ExecArgs& a, const Block& blk, int c) {
  const DevChannel& ch = a.channels[c];
  MemoryDevice2DeviceSemaphoreDeviceHandle h;
  h.inbound = ch.inbound + blk.replica;
  h.outbound = ch.outbound + blk.replica;
  h.expected = ch.expected + blk.replica;
  h.remoteInbound = ch.remoteInbound + blk.replica;
  h.bound = waitBound(a, blk, ch.peer);
  return h;
}

__device__ __forceinline__ const ChunkRef* channelRefs(const ExecArgs& a, const Op& op) {
  return a.refs + op.firstRef + op.numSrcs + op.numDsts;
}

// signal: release. The block's earlier writes are ordered before the
// signalling threads by the __syncthreads() that ends every op.
__device__ inline void signalOp(const ExecArgs& a, const Block& blk, const Op& op) {
  const ChunkRef* ch = channelRefs(a, op);
  for (uint32_t i = threadIdx.x; i < op.numChannels; i += blockDim.x)
    semaphoreOf(a, blk, ch[i].channel).signal();
}

// wait: acquire by the waiting threads, then the block barrier hands the
// acquired view to every thread of the block.
__device__ inline bool waitOp(const ExecArgs& a, const Block& blk, const Op& op) {
  const ChunkRef* ch = channelRefs(a, op);
  bool ok = true;
  for (uint32_t i = threadIdx.x; i < op.numChannels; i += blockDim.x)
    ok = semaphoreOf(a, blk, ch[i].channel).wait() && ok;
  return __syncthreads_and(ok) != 0;
}

__device__ inline void flushOp() {
  if (threadIdx.x == 0) arch::fenceAcqRelSys();
}

// Every threadblock of this replica arrives before any leaves (sense
// reversal); system fences make the block's writes, local or remote,
// visible to the others.
__device__ inline bool barrierOp(const ExecArgs& a, const Block& blk) {
  if (a.numTbs == 1) return true;
  bool ok = true;
  if (threadIdx.x == 0) {
    BlockBarrier* b = &a.state->barrier[blk.replica];
    __threadfence_system();
    const uint32_t gen = arch::loadAcquireSys(&b->generation);
    if (atomicAdd(&b->count, 1u) == static_cast<uint32_t>(a.numTbs) - 1) {
      atomicExch(&b->count, 0u);
      __threadfence_system();
      atomicAdd(&b->generation, 1u);
    } else {
      const DeviceWaitBound bound = waitBound(a, blk, a.rank);
      detail::BoundedSpin spin(bound);
      uint32_t seen;
      while ((seen = arch::loadAcquireSys(&b->generation)) == gen)
        if (!spin.keepGoing(DeviceErrorKind::WaitTimeout, gen + 1u, seen)) {
          ok = false;
          break;
        }
    }
    __threadfence_system();
  }
  return __syncthreads_and(ok) != 0;
}

// ptr[i] = chunk t of the op's i-th reference (sources, then destinations),
// at this replica's slice. True when every pointer is 16-byte aligned.
__device__ inline bool fillPointers(const ExecArgs& a, const Block& blk, const Op& op, uint32_t t,
                                    char** ptr) {
  __syncthreads();  // the previous chunk's users are done with ptr
  const uint32_t n = op.numSrcs + op.numDsts;
  bool aligned = true;
  for (uint32_t i = threadIdx.x; i < n; i += blockDim.x) {
    const ChunkRef& r = a.refs[op.firstRef + i];
    char* p = refChunk(a, r, t, blk.flag) + (isPackets(a, r.buffer) ? 2 * blk.begin : blk.begin);
    ptr[i] = p;
    aligned = aligned && (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
  }
  return __syncthreads_and(aligned) != 0;
}

// put, get, copy, and single-source read-reduce-copy: src -> every dst.
__device__ inline void copySlice(char* const* ptr, const Op& op, uint64_t bytes) {
  for (uint32_t k = 0; k < op.numDsts; ++k)
    detail::deviceCopy(ptr[op.numSrcs + k], ptr[0], bytes, threadIdx.x, blockDim.x);
}

// reduce, read-reduce-copy: every dst = srcs combined in order; 16-byte
// packs where every pointer allows, element by element otherwise.
template <typename T, ReduceOp Red>
__device__ void reduceSlice(char* const* ptr, uint32_t ns, uint32_t nd, uint64_t bytes,
                            bool aligned) {
  using namespace lccl::detail;
  const uint64_t vecs = aligned ? bytes / 16 : 0;
  for (uint64_t v = threadIdx.x; v < vecs; v += blockDim.x) {
    Pack<T, 16> in;
    in.raw = arch::loadGlobal128(reinterpret_cast<const uint4*>(ptr[0]) + v);
    PackReducer<T, Red, 16> acc;
    acc.first(in);
    for (uint32_t i = 1; i < ns; ++i) {
      in.raw = arch::loadGlobal128(reinterpret_cast<const uint4*>(ptr[i]) + v);
      acc.add(in);
    }
    const Pack<T, 16> out = acc.result(1);
    for (uint32_t k = 0; k < nd; ++k)
      arch::storeGlobal128(reinterpret_cast<uint4*>(ptr[ns + k]) + v, out.raw);
  }
  using A = typename Acc<T>::type;
  for (uint64_t e = vecs * 16 / sizeof(T) + threadIdx.x; e < bytes / sizeof(T); e += blockDim.x) {
    A acc = Acc<T>::widen(reinterpret_cast<const T*>(ptr[0])[e]);
    for (uint32_t i = 1; i < ns; ++i)
      acc = Combine<Red>::apply(acc, Acc<T>::widen(reinterpret_cast<const T*>(ptr[i])[e]));
    const T out = Acc<T>::narrow(acc);
    for (uint32_t k = 0; k < nd; ++k) reinterpret_cast<T*>(ptr[ns + k])[e] = out;
  }
}

template <typename T>
__device__ __forceinline__ lccl::detail::Pack<T, 8> wordPack(uint64_t v) {
  lccl::detail::Pack<T, 8> p;
  p.raw = make_uint2(static_cast<uint32_t>(v), static_cast<uint32_t>(v >> 32));
  return p;
}

// Word `off` (bytes into the slice) of source i: from its packet (waiting
// for this call's flag) or from plain memory.
__device__ __forceinline__ bool loadWord(const ExecArgs& a, const Op& op, char* const* ptr,
                                         uint32_t i, uint64_t off, uint64_t avail, uint32_t flag,
                                         const DeviceWaitBound& bound, uint64_t& v) {
  if (isPackets(a, a.refs[op.firstRef + i].buffer))
    return reinterpret_cast<const LL16Packet*>(ptr[i] + 2 * off)->read(flag, v, bound);
  v = detail::loadPayload<uint64_t>(ptr[i] + off, avail);
  return true;
}

// Ops that touch LL packets (put-packets, read-packets, reduce-packets, or
// any op reading LL scratch): 8-byte words, one packet each.
template <typename T, ReduceOp Red>
__device__ bool packetSlice(const ExecArgs& a, const Block& blk, const Op& op, char* const* ptr,
                            uint64_t bytes) {
  const DeviceWaitBound bound = waitBound(a, blk, a.opPeer[blk.opIndex]);
  const bool dstPackets = op.kind == OpKind::PutPackets;
  const uint64_t words = (bytes + 7) / 8;
  for (uint64_t w = threadIdx.x; w < words; w += blockDim.x) {
    const uint64_t off = w * 8, avail = bytes - off;
    uint64_t v;
    if (!loadWord(a, op, ptr, 0, off, avail, blk.flag, bound, v)) return false;
    if (op.numSrcs > 1) {
      lccl::detail::PackReducer<T, Red, 8> acc;
      acc.first(wordPack<T>(v));
      for (uint32_t i = 1; i < op.numSrcs; ++i) {
        uint64_t u;
        if (!loadWord(a, op, ptr, i, off, avail, blk.flag, bound, u)) return false;
        acc.add(wordPack<T>(u));
      }
      const auto out = acc.result(1);
      v = static_cast<uint64_t>(out.raw.x) | static_cast<uint64_t>(out.raw.y) << 32;
    }
    for (uint32_t k = 0; k < op.numDsts; ++k) {
      char* d = ptr[op.numSrcs + k];
      if (dstPackets) reinterpret_cast<LL16Packet*>(d + 2 * off)->write(v, blk.flag);
      else detail::storePayload<uint64_t>(d + off, v, avail);
    }
  }
  return true;
}

// Every op that moves data, chunk after chunk of its `count`.
template <typename T, ReduceOp Red>
__device__ bool dataOp(const ExecArgs& a, const Block& blk, const Op& op, char** ptr) {
  const uint64_t bytes = blk.end - blk.begin;
  bool ok = true;
  for (uint32_t t = 0; t < op.count && ok; ++t) {
    const bool aligned = fillPointers(a, blk, op, t, ptr);
    if (op.reserved & kOpPacketPath) ok = packetSlice<T, Red>(a, blk, op, ptr, bytes);
    else if (op.numSrcs == 1) copySlice(ptr, op, bytes);
    else reduceSlice<T, Red>(ptr, op.numSrcs, op.numDsts, bytes, aligned);
    ok = __syncthreads_and(ok) != 0;
  }
  return ok;
}

template <typename T, ReduceOp Red>
__device__ bool runOp(const ExecArgs& a, const Block& blk, const Op& op, char** ptr) {
  switch (op.kind) {
    case OpKind::Signal: signalOp(a, blk, op); return true;
    case OpKind::Wait: return waitOp(a, blk, op);
    case OpKind::Flush: flushOp(); return true;
    case OpKind::Barrier: return barrierOp(a, blk);
    default: return dataOp<T, Red>(a, blk, op, ptr);
  }
}

// The LL flag of this call: one more than the last completed call's.
__device__ __forceinline__ uint32_t callFlag(const ExecArgs& a) {
  return *reinterpret_cast<volatile uint32_t*>(&a.state->epoch) + 1;
}

// The last block to finish records the call's flag (see collectives'
// finishCall: the next launch reads it only after this one has ended).
__device__ __forceinline__ void finishCall(const ExecArgs& a, uint32_t flag) {
  __syncthreads();
  if (threadIdx.x == 0 && atomicAdd(&a.state->doneBlocks, 1u) == gridDim.x - 1) {
    a.state->doneBlocks = 0;
    a.state->epoch = flag;
  }
}

}  // namespace lccl::exec
