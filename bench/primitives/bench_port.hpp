// The port-channel part of lccl-bench-primitives (--port), see bench_port.cu.
#pragma once

namespace lccl {

struct PortBenchOptions {
  int iters = 2000;    // ping-pongs per timed run
  int warmup = 100;
  int repeats = 5;
};

// Collective over MPI_COMM_WORLD (MPI already initialised); throws on failure.
void runPortBench(const PortBenchOptions& opt);

}  // namespace lccl
