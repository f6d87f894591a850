// lccl-perf: nccl-tests compatible benchmark of lccl with NCCL side by side.
// See docs/benchmarks.md. One MPI rank per GPU.
#include <mpi.h>
#include <unistd.h>

#include <cstdarg>
#include <ctime>

#include "context.hpp"
#include "lccl/gpu.hpp"
#include "lccl/memory.hpp"
#include "lccl/version.hpp"

namespace lccl::perf {

RunInfo PerfContext::runInfo() const {
  return RunInfo{collectiveName(opts.collective), nranks, opts.collective == Collective::M1 ? 1 : opts.graphIters,
                 opts.iters};
}

void PerfContext::writeJson(const std::string& line) const {
  if (json) std::fprintf(json, "%s\n", line.c_str());
}

void PerfContext::say(const char* fmt, ...) const {
  if (rank != 0) return;
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
}

DeviceBuffer::DeviceBuffer(size_t bytes, bool shareable) : bytes_(bytes), shareable_(shareable) {
  void* p = nullptr;
  if (shareable) bytes_ = (bytes + (2u << 20) - 1) / (2u << 20) * (2u << 20);  // whole 2 MiB pages
  if (shareable) p = lccl::gpuAllocShareable(bytes_);
  else PERF_CUDA(cudaMalloc(&p, bytes));
  ptr_ = static_cast<char*>(p);
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ && shareable_) lccl::gpuFreeShareable(ptr_);
  else if (ptr_) cudaFree(ptr_);
}

namespace {

std::string isoDate() {
  char buf[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

std::string hostName() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// The local rank on this host picks the GPU.
int localRank(MPI_Comm comm, int& localSize) {
  MPI_Comm local;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  int r = 0;
  MPI_Comm_rank(local, &r);
  MPI_Comm_size(local, &localSize);
  MPI_Comm_free(&local);
  return r;
}

// One line per rank, gathered to rank 0 (like nccl-tests' device list).
void printRanks(const PerfContext& ctx, const std::string& gpuName) {
  char line[256], bus[32] = "?";
  cudaDeviceGetPCIBusId(bus, sizeof bus, ctx.device);
  std::snprintf(line, sizeof line, "#  Rank %2d Pid %6d on %10s device %2d [%s] %s", ctx.rank, static_cast<int>(getpid()),
                hostName().c_str(), ctx.device, bus, gpuName.c_str());
  std::vector<char> all(static_cast<size_t>(ctx.nranks) * sizeof line);
  MPI_Gather(line, sizeof line, MPI_CHAR, all.data(), sizeof line, MPI_CHAR, 0, ctx.comm);
  for (int r = 0; r < ctx.nranks; ++r) ctx.say("%s\n", &all[static_cast<size_t>(r) * sizeof line]);
}

std::string commandLine(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

void printHeader(PerfContext& ctx, int argc, char** argv) {
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, ctx.device);
  const PerfOptions& o = ctx.opts;
  static const char* const kAverage[] = {"rank 0", "mean", "min", "max"};
  const std::string mode = o.collective == Collective::M1 ? "one CUDA graph per step"
                           : o.graphIters ? "CUDA graph of " + std::to_string(o.graphIters) + " ops"
                                          : "eager";
  ctx.say("# lccl-perf %s: %d ranks, %s, iters %d, warm-up %d, check %d, %s, time across ranks: %s\n",
          collectiveName(o.collective), ctx.nranks, mode.c_str(), o.iters, o.warmup, o.check,
          o.blocking ? "blocking" : "non-blocking", kAverage[o.average]);
  printRanks(ctx, prop.name);
  HeaderInfo h{ctx.runInfo(), prop.name, LCCL_VERSION_STRING, "", "", isoDate(), hostName(), commandLine(argc, argv),
               libSelectName(o.lib), o.warmup, o.average, o.check, o.blocking};
  for (const LibSlot& l : ctx.libs) {
    if (!l.backend) continue;
    ctx.say("# %s %s%s%s\n", l.name.c_str(), l.backend->version().c_str(), l.backend->location().empty() ? "" : " from ",
            l.backend->location().c_str());
    if (l.name == "nccl") h.ncclVersion = l.backend->version(), h.ncclPath = l.backend->location();
  }
  if (const char* nvls = std::getenv("NCCL_NVLS_ENABLE"); nvls && std::string(nvls) != "0")
    ctx.say("# WARNING: NCCL_NVLS_ENABLE=%s (lccl-perf expects 0: NVLS is not allowed here)\n", nvls);
  ctx.writeJson(headerJson(h));
  ctx.say("#\n");
}

// Creates the requested backends; every rank ends with the same set.
bool openLibraries(PerfContext& ctx) {
  bool any = false;
  for (const char* name : {"lccl", "nccl"}) {
    const LibSelect mine = std::string(name) == "lccl" ? LibSelect::Lccl : LibSelect::Nccl;
    if (ctx.opts.lib != LibSelect::Both && ctx.opts.lib != mine) continue;
    std::string why;
    LibSlot slot;
    slot.name = name;
    slot.backend = mine == LibSelect::Lccl ? makeLcclBackend(ctx.comm, ctx.device, why) : makeNcclBackend(ctx.comm, why);
    if (!slot.backend) ctx.say("# %s: unavailable, its columns show n/a: %s\n", name, why.c_str());
    any |= slot.backend != nullptr;
    ctx.libs.push_back(std::move(slot));
  }
  return any;
}

// Returns the exit code when the run cannot start, else -1.
int setUp(PerfContext& ctx, int argc, char** argv) {
  try {
    ctx.opts = parseOptions(argc, argv);
  } catch (const UsageError& e) {
    ctx.say("lccl-perf: %s\n", e.what());
    return 1;
  }
  if (ctx.opts.help) {
    ctx.say("%s", usageText().c_str());
    return 0;
  }
  int gpus = lccl::gpuCount(), fewest = 0;
  MPI_Allreduce(&gpus, &fewest, 1, MPI_INT, MPI_MIN, ctx.comm);
  if (fewest == 0) {
    ctx.say("lccl-perf: no GPU visible (a rank found no CUDA device); run it on a GPU machine, one rank per GPU\n");
    return 2;
  }
  if (hasRoot(ctx.opts.collective) && ctx.opts.root >= ctx.nranks) {
    ctx.say("lccl-perf: -r %d is not a rank (%d ranks)\n", ctx.opts.root, ctx.nranks);
    return 1;
  }
  int localSize = 1;
  ctx.device = localRank(ctx.comm, localSize) % gpus;
  if (localSize > gpus) ctx.say("# WARNING: %d ranks share %d GPUs on a host\n", localSize, gpus);
  PERF_CUDA(cudaSetDevice(ctx.device));
  PERF_CUDA(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
  return -1;
}

int run(PerfContext& ctx, int argc, char** argv) {
  const int early = setUp(ctx, argc, argv);
  if (early >= 0) return early;
  if (!openLibraries(ctx)) {
    ctx.say("lccl-perf: no library to run\n");
    return 1;
  }
  if (ctx.rank == 0 && !ctx.opts.jsonPath.empty() && !(ctx.json = std::fopen(ctx.opts.jsonPath.c_str(), "w")))
    std::fprintf(stderr, "lccl-perf: cannot write %s; no JSON output\n", ctx.opts.jsonPath.c_str());
  printHeader(ctx, argc, argv);
  const int rc = ctx.opts.collective == Collective::M1 ? runM1(ctx) : runSweep(ctx);
  if (ctx.json) std::fclose(ctx.json);
  return rc;
}

}  // namespace
}  // namespace lccl::perf

int main(int argc, char** argv) {
  setlinebuf(stdout);
  MPI_Init(&argc, &argv);
  lccl::perf::PerfContext ctx;
  MPI_Comm_rank(ctx.comm, &ctx.rank);
  MPI_Comm_size(ctx.comm, &ctx.nranks);
  int rc = 0;
  try {
    rc = lccl::perf::run(ctx, argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lccl-perf: rank %d: fatal: %s\n", ctx.rank, e.what());
    MPI_Abort(ctx.comm, 3);
  }
  ctx.libs.clear();  // communicators go before MPI does
  if (ctx.stream) cudaStreamDestroy(ctx.stream);
  MPI_Finalize();
  return rc;
}
