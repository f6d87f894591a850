// lccl-bench-executor: times every AllReduce plan of executors/plans (for the
// rank count) through the Executor against lccl's built-in kernel of the same
// algorithm (forced with Collectives::setAllReduceOverride), bf16, sum.
// Each measurement: one warm-up call, a CUDA graph of --ops calls, one
// warm-up replay, then --repeats timed replays (CUDA events); the median
// replay time / ops is reported. Rank 0 prints the table.
//
// usage: mpirun -np N lccl-bench-executor [--sizes 1M,64M] [--ops 20] [--repeats 7]
//                                         [--plans DIR] [--filter SUBSTRING]
#include <cuda_runtime.h>
#include <dirent.h>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "lccl/collectives.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/executors/check.hpp"
#include "lccl/executors/executor.hpp"
#include "lccl/executors/plan_json.hpp"
#include "lccl/mpi_bootstrap.hpp"

namespace {

struct Options {
  std::vector<size_t> sizes{1u << 20, 64u << 20};
  int ops = 20;
  int repeats = 7;
  std::string dir;
  std::string filter;
};

Options parse(int argc, char** argv) {
  Options o;
  const char* env = std::getenv("LCCL_PLAN_DIR");
  o.dir = env && *env ? env : "executors/plans";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--ops") o.ops = std::max(1, std::atoi(v.c_str()));
    else if (k == "--repeats") o.repeats = std::max(1, std::atoi(v.c_str()));
    else if (k == "--plans") o.dir = v;
    else if (k == "--filter") o.filter = v;
    else if (k == "--sizes") {
      o.sizes.clear();
      size_t start = 0;
      while (start <= v.size()) {
        size_t end = v.find(',', start);
        if (end == std::string::npos) end = v.size();
        o.sizes.push_back(lccl::parseSize("--sizes", v.substr(start, end - start)));
        start = end + 1;
      }
    } else {
      throw std::runtime_error("unknown option " + k);
    }
  }
  return o;
}

std::deque<lccl::plan::PlanFile> loadPlans(const Options& o, int nranks) {
  std::deque<lccl::plan::PlanFile> files;
  DIR* d = opendir(o.dir.c_str());
  if (!d) throw std::runtime_error("cannot open plan directory " + o.dir);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("allreduce-", 0) == 0 && n.size() > 5 && n.substr(n.size() - 5) == ".json" &&
        n.find(o.filter) != std::string::npos)
      names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    std::string text, err;
    lccl::plan::PlanFile f;
    lccl::plan::Diagnostics diags;
    if (!lccl::plan::readTextFile(o.dir + "/" + n, text, err) ||
        !lccl::plan::loadAndCheck(text, f, diags))
      throw std::runtime_error("cannot load " + n + ": " + err + diags.format());
    if (f.variants[0].plan.nranks == nranks) files.push_back(std::move(f));
  }
  return files;
}

// The built-in algorithm/protocol matching a plan name ("" "": the default choice).
std::pair<std::string, std::string> builtinFor(const std::string& name) {
  if (name.find("oneshot-ll") != std::string::npos) return {"oneshot", "LL"};
  if (name.find("twoshot-ll") != std::string::npos) return {"twoshot", "LL"};
  if (name.find("twoshot-simple") != std::string::npos) return {"twoshot", "Simple"};
  return {"", ""};
}

// Median microseconds per call of `ops` calls of `call` captured in a graph.
double timeGraph(const std::function<void(cudaStream_t)>& call, cudaStream_t s, const Options& o) {
  call(s);  // warm-up outside the graph (sizes the executor's arena)
  LCCL_CUDA_CHECK(cudaStreamSynchronize(s));
  cudaGraph_t g;
  cudaGraphExec_t ge;
  LCCL_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
  for (int i = 0; i < o.ops; ++i) call(s);
  LCCL_CUDA_CHECK(cudaStreamEndCapture(s, &g));
  LCCL_CUDA_CHECK(cudaGraphInstantiate(&ge, g, 0));
  cudaEvent_t start, stop;
  LCCL_CUDA_CHECK(cudaEventCreate(&start));
  LCCL_CUDA_CHECK(cudaEventCreate(&stop));
  LCCL_CUDA_CHECK(cudaGraphLaunch(ge, s));
  LCCL_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> us;
  for (int r = 0; r < o.repeats; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    LCCL_CUDA_CHECK(cudaEventRecord(start, s));
    LCCL_CUDA_CHECK(cudaGraphLaunch(ge, s));
    LCCL_CUDA_CHECK(cudaEventRecord(stop, s));
    LCCL_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    LCCL_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    us.push_back(ms * 1000.0 / o.ops);
  }
  LCCL_CUDA_CHECK(cudaEventDestroy(start));
  LCCL_CUDA_CHECK(cudaEventDestroy(stop));
  LCCL_CUDA_CHECK(cudaGraphExecDestroy(ge));
  LCCL_CUDA_CHECK(cudaGraphDestroy(g));
  std::sort(us.begin(), us.end());
  double med = us[us.size() / 2];
  MPI_Allreduce(MPI_IN_PLACE, &med, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);  // slowest rank
  return med;
}

std::string human(size_t b) {
  if (b >= (1u << 20) && b % (1u << 20) == 0) return std::to_string(b >> 20) + " MiB";
  if (b >= 1024 && b % 1024 == 0) return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

void benchSize(size_t bytes, const std::deque<lccl::plan::PlanFile>& files, lccl::Executor& ex,
               lccl::Collectives& coll, const Options& o, int rank, cudaStream_t s) {
  const auto type = lccl::DataType::BFloat16;
  const size_t count = bytes / lccl::dataTypeSize(type);
  void *send, *recv;
  LCCL_CUDA_CHECK(cudaMalloc(&send, bytes));
  LCCL_CUDA_CHECK(cudaMalloc(&recv, bytes));
  LCCL_CUDA_CHECK(cudaMemset(send, 0, bytes));
  for (const auto& f : files) {
    const lccl::plan::Plan* p = f.select(bytes);
    if (!p || p->inplace || p->reduce != lccl::plan::ReduceKind::Sum ||
        !lccl::planFitsCall(*p, bytes, type))
      continue;
    const double planUs = timeGraph(
        [&](cudaStream_t st) { ex.run(*p, send, recv, count, type, lccl::ReduceOp::Sum, st); }, s, o);
    const auto [algo, proto] = builtinFor(p->name);
    coll.setAllReduceOverride(algo, proto);
    const double builtinUs = timeGraph(
        [&](cudaStream_t st) { coll.allReduce(send, recv, count, type, lccl::ReduceOp::Sum, st); }, s, o);
    coll.setAllReduceOverride("", "");
    const std::string b = algo.empty() ? "default" : algo + "/" + proto;
    if (rank == 0)
      std::printf("%10s  %-30s %10.1f  %-16s %10.1f  %6.2f\n", human(bytes).c_str(), p->name.c_str(),
                  planUs, b.c_str(), builtinUs, planUs / builtinUs);
    std::fflush(stdout);
  }
  LCCL_CUDA_CHECK(cudaFree(send));
  LCCL_CUDA_CHECK(cudaFree(recv));
}

int run(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const Options o = parse(argc, argv);
  auto comm = std::make_shared<lccl::Communicator>(lccl::mpiBootstrap(MPI_COMM_WORLD));
  LCCL_CUDA_CHECK(cudaSetDevice(comm->device()));
  const auto files = loadPlans(o, size);
  {
    lccl::Collectives coll(comm);
    lccl::Executor ex(comm);
    cudaStream_t s;
    LCCL_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    if (rank == 0) {
      std::printf("# lccl-bench-executor: %d ranks, bf16 sum, graph of %d calls, median of %d, "
                  "%zu plan files from %s\n", size, o.ops, o.repeats, files.size(), o.dir.c_str());
      std::printf("%10s  %-30s %10s  %-16s %10s  %6s\n", "size", "plan", "plan us", "built-in",
                  "built-in us", "ratio");
    }
    for (size_t bytes : o.sizes) benchSize(bytes, files, ex, coll, o, rank, s);
    LCCL_CUDA_CHECK(cudaStreamSynchronize(s));
    ex.checkDeviceErrors();
    LCCL_CUDA_CHECK(cudaStreamDestroy(s));
  }
  comm.reset();
  MPI_Finalize();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lccl-bench-executor: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}
