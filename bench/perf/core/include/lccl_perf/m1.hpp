// m1.hpp — the communication of one MiniMax-M1 forward step under tensor parallelism.
//
// MiniMax-M1 has 80 layers with hidden size 6144; every 8th layer (7, 15, ...,
// 79) uses softmax attention, the other 70 lightning (linear) attention. Per
// step and per layer, in this order:
//   lightning layers only: all-reduce of T x 1 float (the attention-norm statistics
//                          across the tensor-parallel shards);
//   every layer:           all-reduce of T x 6144 bfloat16 (attention output),
//                          all-reduce of T x 6144 bfloat16 (MoE/MLP output).
// That is 160 bfloat16 and 70 float all-reduces (sum), 230 in all.
#pragma once

#include <cstddef>
#include <vector>

#include "lccl_perf/perf_types.hpp"

namespace lccl::perf {

constexpr int kM1Layers = 80;
constexpr int kM1Hidden = 6144;
constexpr int kM1SoftmaxEvery = 8;  // layer l uses softmax attention when l % 8 == 7

struct M1Op {
  DType type;
  size_t count;  // elements
  int layer;
};

bool m1IsLightningLayer(int layer);
std::vector<M1Op> m1Schedule(int tokens);

}  // namespace lccl::perf
