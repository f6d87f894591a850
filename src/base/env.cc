#include "lccl/env.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "lccl/errors.hpp"

namespace lccl {

const std::vector<EnvVar>& Env::registry() {
  static const std::vector<EnvVar> vars = {
      {"LCCL_DEBUG", "NCCL_DEBUG", "WARN", "log level: NONE, VERSION, WARN, INFO or TRACE"},
      {"LCCL_DEBUG_FILE", "NCCL_DEBUG_FILE", "",
       "write the log to this file instead of stderr (%h: host name, %p: pid)"},
      {"LCCL_BOOTSTRAP_TIMEOUT_MS", nullptr, "30000",
       "bound on every bootstrap connect and receive, in milliseconds"},
      {"LCCL_SOCKET_IFNAME", "NCCL_SOCKET_IFNAME", "",
       "network interface (name prefix) whose address the bootstrap root listens on; "
       "default: the first non-loopback interface, else loopback"},
      {"LCCL_ROOT_ADDR", nullptr, "",
       "host:port of rank 0's bootstrap listener, for environment-based init (torchrun-style)"},
      {"LCCL_RANK", "RANK", "", "this process's rank, for environment-based init"},
      {"LCCL_WORLD_SIZE", "WORLD_SIZE", "", "number of ranks, for environment-based init"},
      {"LCCL_BOOTSTRAP_SECRET", nullptr, "",
       "hex secret shared by all ranks for environment-based init; connections that do not "
       "present it are rejected (default: derived from LCCL_ROOT_ADDR)"},
      {"LCCL_HOST_ID", nullptr, "",
       "overrides the host identity used to group ranks into nodes (testing multi-node paths)"},
      {"LCCL_DEVICE_WAIT_TIMEOUT_MS", nullptr, "300000",
       "bound on every device-side wait (semaphores, LL packets), in milliseconds; on expiry the "
       "wait records which rank/peer stalled and the host raises a timeout error"},
      {"LCCL_P2P_DISABLE", "NCCL_P2P_DISABLE", "0",
       "1: do not use CUDA peer memory between GPUs"},
      {"LCCL_TRANSPORT", nullptr, "",
       "transport between ranks: auto (default: memory channels within a node, port channels "
       "between nodes over ib when usable, else tcp), tcp or ib (the port transport between "
       "nodes), cuda_ipc / nvlink / p2p (memory channels only: every rank must share one node)"},
      {"LCCL_IB_HCA", "NCCL_IB_HCA", "",
       "InfiniBand devices/ports for port channels, NCCL syntax: 'mlx5_0:1,mlx5_1' (prefix "
       "match), '^' excludes, '=' exact names; default: every active port"},
      {"LCCL_IB_DISABLE", "NCCL_IB_DISABLE", "0",
       "1: never use InfiniBand for port channels (TCP instead)"},
      {"LCCL_PROXY_FIFO_SIZE", nullptr, "512",
       "slots of each proxy request FIFO (rounded up to a power of two); producers wait when "
       "the proxy is this many requests behind"},
      {"LCCL_TCP_STAGING_BYTES", nullptr, "1048576",
       "pinned bounce-buffer size of the TCP port transport for GPU memory: puts from and into "
       "GPU regions move through it in chunks of this many bytes"},
      {"LCCL_PRETEND_NODES", nullptr, "1",
       "split the ranks of each host into this many pretend nodes (contiguous local ranks): "
       "ranks in different pretend nodes talk over port channels, as if on other hosts "
       "(testing multi-node paths on one machine)"},
      {"LCCL_PORT_TIMEOUT_MS", nullptr, "30000",
       "bound on every port-transport wait (connect, send progress, flush), in milliseconds"},
      {"LCCL_ALGO", "NCCL_ALGO", "",
       "force or exclude collective algorithms: oneshot, twoshot; '^name' excludes"},
      {"LCCL_PROTO", "NCCL_PROTO", "",
       "force or exclude protocols: LL, LL128, Simple; '^name' excludes. AllReduce: the "
       "protocol of its algorithm; AllGather, ReduceScatter, AllToAll: which of LL, LL128 and "
       "the Simple (push or zero-copy) paths may serve a call"},
      {"LCCL_MIN_CTAS", "NCCL_MIN_CTAS", "0",
       "lower bound on the thread blocks of one collective kernel (0: automatic); every rank "
       "must use the same value"},
      {"LCCL_MAX_CTAS", "NCCL_MAX_CTAS", "0",
       "upper bound on the thread blocks of one collective kernel (0: the SM count); every rank "
       "must use the same value"},
      {"LCCL_LL128_MAX_BYTES", nullptr, "0",
       "AllGather, ReduceScatter and AllToAll use LL128 lines beyond the LL limit while all "
       "ranks' pieces together stay within this many bytes (and each piece within the LL128 "
       "slot: 32 MiB / ranks); above, the Simple or zero-copy paths. 0: 32 MiB on 3 - 4 ranks, "
       "8 MiB otherwise"},
      {"LCCL_LL128_SPLIT", nullptr, "1",
       "LL128 kernels with sender and receiver blocks apart instead of every block sending, "
       "then receiving. 1: where measured faster (AllGather, ReduceScatter, AllToAll of 4 MiB "
       "and more in all on 3+ ranks; two-shot AllReduce from 4 MiB on 2 ranks; never Reduce "
       "or Broadcast), 0: never, "
       "2: always within one block per SM, 3: always within two (never for one-shot AllReduce "
       "and AllToAll in place); every rank must use the same value"},
      {"LCCL_LL_MAX_BYTES", nullptr, "0",
       "AllGather, ReduceScatter and AllToAll use LL packets while all ranks' pieces together "
       "stay within this many bytes, Broadcast and Reduce while the piece does (each piece "
       "also within the LL slot: 2 MiB on 2 ranks, 512 KiB beyond); above, the Simple or "
       "zero-copy paths. 0: 2 MiB on 2 ranks, 1 MiB beyond"},
      {"LCCL_PIPE_MIN_BYTES", nullptr, "0",
       "the Simple two-shot AllReduce (and Reduce) runs as one pipelined launch from this size "
       "on, one launch per 32 MiB chunk below; 0: beyond one chunk on 2 ranks, 128 MiB beyond"},
      {"LCCL_PUSH_PIPE_MIN_BYTES", nullptr, "0",
       "AllGather, ReduceScatter and AllToAll on the Simple push path run as one pipelined "
       "launch (the peers push chunk k + 1 while each rank copies chunk k out) from this "
       "many bytes per piece on, one launch per chunk below; 0: where each rank sends 32 MiB to "
       "its peers (2 ranks: 32 MiB pieces, 4 ranks: 10.7 MiB)"},
      {"LCCL_DIRECT", nullptr, "1",
       "two ranks: Reduce and Broadcast stream from one rank straight into the other's stage, "
       "chunk after chunk, in one launch (the direct path); more ranks: Broadcast streams "
       "along a chain from the root in rank order (each rank relays to the next). 1: at the "
       "sizes where it was measured ahead (more ranks: beyond 8 MiB), 2: at every size beyond "
       "LL (more ranks: beyond LL16 and LL128), 0: never (staged and two-shot paths)"},
      {"LCCL_DIRECT_CHUNK_BYTES", nullptr, "0",
       "bytes per chunk of that direct path (64 KiB to 32 MiB); 0: 1/4 of the call within "
       "[4 MiB, 16 MiB] on two ranks, 1/16 within [2 MiB, 4 MiB] along a chain"},
      {"LCCL_PLAN_DIR", nullptr, "",
       "directory of execution plans (*.json, docs/plan-format.md); lccl's libnccl.so.2 runs a "
       "collective through the first plan that serves it instead of the built-in algorithms"},
      {"LCCL_NCCL_LIB", nullptr, "",
       "path of the NCCL library that lccl-perf --lib nccl|both loads; default: searched"},
      {"LCCL_NCCL_FALLBACK_LIB", nullptr, "",
       "path of NVIDIA's libnccl.so.2 to which lccl's libnccl.so.2 delegates communicators it "
       "cannot serve (ranks on several hosts, more than 8 ranks); unset: such inits fail"},
  };
  return vars;
}

const char* envSourceName(EnvSource s) {
  switch (s) {
    case EnvSource::Default: return "default";
    case EnvSource::Lccl: return "set";
    case EnvSource::Alias: return "alias";
  }
  return "?";
}

const Env& Env::instance() {
  static const Env env([](const char* n) { return std::getenv(n); });
  return env;
}

Env::Env(const Lookup& lookup) {
  for (const auto& var : registry()) {
    Entry e{&var, var.defaultValue, EnvSource::Default};
    if (const char* v = lookup(var.name); v != nullptr) {
      e.value = v;
      e.source = EnvSource::Lccl;
    } else if (var.alias != nullptr) {
      if (const char* a = lookup(var.alias); a != nullptr) {
        e.value = a;
        e.source = EnvSource::Alias;
      }
    }
    entries_.push_back(std::move(e));
  }
}

const Env::Entry& Env::entry(std::string_view name) const {
  for (const auto& e : entries_)
    if (name == e.var->name) return e;
  throw InvalidArgumentError(ErrorSite{"Env"},
                             "unregistered environment variable " + std::string(name));
}

const std::string& Env::str(std::string_view name) const { return entry(name).value; }

int64_t Env::integer(std::string_view name) const {
  return parseInteger(name, entry(name).value);
}
bool Env::flag(std::string_view name) const { return parseBool(name, entry(name).value); }
uint64_t Env::size(std::string_view name) const { return parseSize(name, entry(name).value); }

static InvalidArgumentError badValue(std::string_view what, std::string_view text,
                                     const char* expected) {
  return InvalidArgumentError(ErrorSite{"parse"}, std::string(what) + "='" + std::string(text) +
                                                      "': expected " + expected);
}

int64_t parseInteger(std::string_view what, std::string_view text) {
  std::string s(text);
  if (s.empty()) throw badValue(what, text, "an integer");
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno == ERANGE || end == s.c_str() || *end != '\0')
    throw badValue(what, text, "an integer");
  return v;
}

bool parseBool(std::string_view what, std::string_view text) {
  std::string s;
  for (char c : text) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off" || s.empty()) return false;
  throw badValue(what, text, "a boolean (1/0, true/false, yes/no, on/off)");
}

uint64_t parseSize(std::string_view what, std::string_view text) {
  std::string s(text);
  // strtoull skips blanks and accepts a sign ("-1" wraps around): demand a digit first.
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
    throw badValue(what, text, "a size such as 4096, 64K, 1M or 1G");
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno == ERANGE || end == s.c_str())
    throw badValue(what, text, "a size such as 4096, 64K, 1M or 1G");
  std::string suffix(end);
  unsigned shift = 0;
  if (suffix == "K" || suffix == "k" || suffix == "KiB") shift = 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB") shift = 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB") shift = 30;
  else if (suffix == "T" || suffix == "t" || suffix == "TiB") shift = 40;
  else if (!suffix.empty() && suffix != "B")
    throw badValue(what, text, "a size such as 4096, 64K, 1M or 1G");
  if (shift && v > (std::numeric_limits<uint64_t>::max() >> shift))
    throw badValue(what, text, "a size that fits in 64 bits");
  return static_cast<uint64_t>(v) << shift;
}

}  // namespace lccl
