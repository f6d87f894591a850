// Host entry points of the interpreter kernels (interpreter.cu).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "exec_args.hpp"
#include "lccl/collectives.hpp"

namespace lccl::exec {

// One launch of the plan: a.numTbs * a.replicas blocks of kThreads. `reduces`
// false: the plan only moves data (type and op are not used).
void launchInterpreter(const ExecArgs& a, bool reduces, DataType type, ReduceOp op,
                       cudaStream_t stream);
// data[i] /= nranks for the `bytes` of `data` (Avg, after the plan).
void launchAverage(void* data, size_t bytes, DataType type, int nranks, cudaStream_t stream);

}  // namespace lccl::exec
