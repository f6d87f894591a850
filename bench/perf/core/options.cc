#include "lccl_perf/options.hpp"

#include <functional>
#include <sstream>

#include "lccl/env.hpp"
#include "lccl/errors.hpp"

namespace lccl::perf {
namespace {

using Setter = std::function<void(PerfOptions&, const std::string& flag, const std::string& value)>;

struct Flag {
  char shortName;      // 0: long form only
  const char* longName;
  bool takesValue;
  Setter set;
};

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

uint64_t sizeValue(const std::string& flag, const std::string& v) {
  try {
    return lccl::parseSize(flag, v);
  } catch (const lccl::Error& e) {
    throw UsageError(e.what());
  }
}

int intValue(const std::string& flag, const std::string& v, int lo, int hi) {
  int64_t x = 0;
  try {
    x = lccl::parseInteger(flag, v);
  } catch (const lccl::Error& e) {
    throw UsageError(e.what());
  }
  if (x < lo || x > hi)
    throw UsageError(flag + "='" + v + "': expected an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  return static_cast<int>(x);
}

std::vector<DType> typeList(const std::string& flag, const std::string& v) {
  if (v == "all") return allTypes();
  std::vector<DType> out;
  for (const std::string& name : splitList(v)) {
    auto t = parseType(name);
    if (!t)
      throw UsageError(flag + "='" + v + "': unknown type '" + name +
                       "' (int8 uint8 int32 uint32 int64 uint64 half float double bfloat16 "
                       "f8e4m3 f8e5m2 or all)");
    out.push_back(*t);
  }
  if (out.empty()) throw UsageError(flag + ": expected a type");
  return out;
}

std::vector<ROp> opList(const std::string& flag, const std::string& v) {
  if (v == "all") return allOps();
  std::vector<ROp> out;
  for (const std::string& name : splitList(v)) {
    auto op = parseOp(name);
    if (!op || *op == ROp::None)
      throw UsageError(flag + "='" + v + "': unknown op '" + name + "' (sum prod max min avg or all)");
    out.push_back(*op);
  }
  if (out.empty()) throw UsageError(flag + ": expected an op");
  return out;
}

LibSelect libValue(const std::string& flag, const std::string& v) {
  if (v == "lccl") return LibSelect::Lccl;
  if (v == "nccl") return LibSelect::Nccl;
  if (v == "both") return LibSelect::Both;
  throw UsageError(flag + "='" + v + "': expected lccl, nccl or both");
}

std::vector<int> tokenList(const std::string& flag, const std::string& v) {
  std::vector<int> out;
  for (const std::string& t : splitList(v)) out.push_back(intValue(flag, t, 1, 1 << 20));
  if (out.empty()) throw UsageError(flag + ": expected a list such as 1,8,32");
  return out;
}

const std::vector<Flag>& flags() {
  constexpr int kMax = 1 << 30;
  static const std::vector<Flag> table = {
      {'b', "minbytes", true, [](auto& o, auto& f, auto& v) { o.minBytes = sizeValue(f, v); }},
      {'e', "maxbytes", true, [](auto& o, auto& f, auto& v) { o.maxBytes = sizeValue(f, v); }},
      {'i', "stepbytes", true, [](auto& o, auto& f, auto& v) { o.stepBytes = sizeValue(f, v); }},
      {'f', "stepfactor", true, [](auto& o, auto& f, auto& v) { o.stepFactor = intValue(f, v, 1, 1 << 20); }},
      {'n', "iters", true, [](auto& o, auto& f, auto& v) { o.iters = intValue(f, v, 1, kMax); }},
      {'w', "warmup_iters", true, [](auto& o, auto& f, auto& v) { o.warmup = intValue(f, v, 0, kMax); }},
      {'c', "check", true, [](auto& o, auto& f, auto& v) { o.check = intValue(f, v, 0, kMax); }},
      {'o', "op", true, [](auto& o, auto& f, auto& v) { o.ops = opList(f, v); }},
      {'d', "datatype", true, [](auto& o, auto& f, auto& v) { o.types = typeList(f, v); }},
      {'r', "root", true, [](auto& o, auto& f, auto& v) { o.root = intValue(f, v, 0, kMax); }},
      {'z', "blocking", true, [](auto& o, auto& f, auto& v) { o.blocking = intValue(f, v, 0, 1); }},
      {'G', "cudagraph", true, [](auto& o, auto& f, auto& v) { o.graphIters = intValue(f, v, 0, kMax); }},
      {'a', "average", true, [](auto& o, auto& f, auto& v) { o.average = intValue(f, v, 0, 3); }},
      {'J', "json", true, [](auto& o, auto& f, auto& v) { o.jsonPath = v; }},
      {0, "lib", true, [](auto& o, auto& f, auto& v) { o.lib = libValue(f, v); }},
      {0, "window", true, [](auto& o, auto& f, auto& v) { o.window = intValue(f, v, 0, 1); }},
      {0, "tokens", true, [](auto& o, auto& f, auto& v) { o.tokens = tokenList(f, v); }},
      {'h', "help", false, [](auto& o, auto&, auto&) { o.help = true; }},
  };
  return table;
}

// Finds the flag named by `arg` ("-b", "-b1K", "--minbytes", "--minbytes=1K");
// sets `inlineValue` when the value is attached. Returns nullptr when unknown.
const Flag* findFlag(const std::string& arg, std::string& shown, std::optional<std::string>& inlineValue) {
  if (arg.rfind("--", 0) == 0) {
    std::string name = arg.substr(2);
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      inlineValue = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    shown = "--" + name;
    for (const Flag& f : flags())
      if (name == f.longName) return &f;
    return nullptr;
  }
  if (arg.size() < 2 || arg[0] != '-') return nullptr;
  shown = arg.substr(0, 2);
  if (arg.size() > 2) inlineValue = arg.substr(2);
  for (const Flag& f : flags())
    if (f.shortName == arg[1]) return &f;
  return nullptr;
}

}  // namespace

const char* libSelectName(LibSelect s) {
  switch (s) {
    case LibSelect::Lccl: return "lccl";
    case LibSelect::Nccl: return "nccl";
    case LibSelect::Both: return "both";
  }
  return "?";
}

PerfOptions parseOptions(const std::vector<std::string>& args) {
  PerfOptions o;
  bool haveCollective = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.empty() || arg[0] != '-') {
      auto c = parseCollective(arg);
      if (!c) throw UsageError("unknown collective '" + arg + "' (see lccl-perf -h)");
      if (haveCollective) throw UsageError("more than one collective given: '" + arg + "'");
      o.collective = *c;
      haveCollective = true;
      continue;
    }
    std::string shown;
    std::optional<std::string> value;
    const Flag* f = findFlag(arg, shown, value);
    if (!f) throw UsageError("unknown flag '" + arg + "' (see lccl-perf -h)");
    if (!f->takesValue && value) throw UsageError(shown + " takes no value");
    if (f->takesValue && !value) {
      if (i + 1 >= args.size()) throw UsageError(shown + ": missing value");
      value = args[++i];
    }
    f->set(o, shown, value.value_or(""));
  }
  if (o.help) return o;
  if (!haveCollective) throw UsageError("missing collective (see lccl-perf -h)");
  validateOptions(o);
  return o;
}

PerfOptions parseOptions(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parseOptions(args);
}

void validateOptions(const PerfOptions& o) {
  if (o.minBytes > o.maxBytes)
    throw UsageError("-b (" + std::to_string(o.minBytes) + " B) is larger than -e (" +
                     std::to_string(o.maxBytes) + " B)");
  if (o.stepFactor == 1 && o.stepBytes == 0 && o.minBytes < o.maxBytes)
    throw UsageError("-i must be > 0 when -f is 1 and -b < -e (the sweep would not advance)");
  if (o.stepFactor > 1 && o.minBytes == 0)
    throw UsageError("-b must be > 0 when -f > 1 (0 times a factor stays 0)");
}

std::string usageText() {
  return R"(usage: mpirun -np N lccl-perf <collective> [flags]
collectives: allreduce allgather reducescatter broadcast reduce alltoall alltoallv sendrecv m1
  -b, --minbytes SIZE      smallest size (K/M/G binary suffixes)          [32M]
  -e, --maxbytes SIZE      largest size                                    [32M]
  -i, --stepbytes SIZE     increment between sizes when -f is 1            [1M]
  -f, --stepfactor N       multiply the size by N between steps            [1]
  -n, --iters N            timed iterations (graph mode: timed replays)    [20]
  -w, --warmup_iters N     warm-up iterations                              [5]
  -c, --check 0|1          check every result element                      [1]
  -o, --op OP              sum prod max min avg, a comma list, or all      [sum]
  -d, --datatype TYPE      int8 uint8 int32 uint32 int64 uint64 half float double
                           bfloat16 f8e4m3 f8e5m2, a comma list, or all    [float]
  -r, --root R             root of broadcast and reduce                    [0]
  -z, --blocking 0|1       synchronize the stream after each operation     [0]
  -G, --cudagraph K        capture K operations per CUDA graph (0: eager)  [0]
  -a, --average 0..3       time across ranks: 0 rank 0, 1 mean, 2 min, 3 max [1]
  -J, --json FILE          write JSON lines to FILE
      --lib lccl|nccl|both libraries to run, interleaved per size          [both]
      --window 0|1         1: buffers from shareable memory (like ncclMemAlloc),
                           registered as windows (lccl: the zero-copy paths;
                           nccl: ncclCommWindowRegister where it exists) [0]
      --tokens T,T,...     m1 token counts               [1,8,32,128,256,4096,8192]
  -h, --help               this text
NCCL is loaded from LCCL_NCCL_LIB, else searched (libnccl.so.2, python's nvidia/nccl/lib).
)";
}

}  // namespace lccl::perf
