// json.hpp — the machine-readable lines of lccl-perf (-J FILE): one JSON object per line.
//
// Header line: {"kind":"header","tool":"lccl-perf","collective":..,"gpu":..,"nranks":..,
//   "lccl_version":..,"nccl_version":..,"nccl_path":..,"date":..,"host":..,"graph":..,"iters":..,...}
// Result line: {"kind":"result","lib":"lccl","collective":"allreduce","size":1024,"count":256,
//   "type":"float","op":"sum","root":-1,"inplace":false,"time_us":9.5,"algbw":..,"busbw":..,
//   "wrong":0,"nranks":4,"graph":20,"iters":20,"status":"ok"}  (time_us null when status is "n/a")
// M1 line: {"kind":"m1","lib":"nccl","tokens":128,"step_us":..,"per_op_us":..,"collectives":230,...}
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lccl_perf/perf_types.hpp"
#include "lccl_perf/report.hpp"

namespace lccl::perf {

std::string jsonEscape(const std::string& s);

// Builds one object, keys in insertion order.
class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value);
  JsonObject& add(const std::string& key, const char* value);
  JsonObject& add(const std::string& key, int64_t value);
  JsonObject& add(const std::string& key, int value) { return add(key, static_cast<int64_t>(value)); }
  JsonObject& add(const std::string& key, uint64_t value);
  JsonObject& add(const std::string& key, double value);  // non-finite values become null
  JsonObject& add(const std::string& key, bool value);
  JsonObject& addNull(const std::string& key);
  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonObject& raw(const std::string& key, const std::string& text);
  std::string body_;
};

struct RunInfo {           // what every line repeats
  std::string collective;
  int nranks = 0;
  int graphIters = 0;
  int iters = 0;
};

struct HeaderInfo {
  RunInfo run;
  std::string gpu, lcclVersion, ncclVersion, ncclPath, date, host, commandLine, libs;
  int warmup = 0, average = 1, check = 1, blocking = 0;
};

std::string headerJson(const HeaderInfo& h);
std::string resultJson(const RunInfo& run, const ResultRow& row, bool inPlace, const std::string& status);

struct M1Record {
  std::string lib;
  int tokens = 0;
  bool ran = false;
  double stepUs = 0;
  int collectives = 0;
  uint64_t bf16Bytes = 0;  // bytes of one bf16 all-reduce
  int64_t wrong = -1;
};
std::string m1Json(const RunInfo& run, const M1Record& m);

}  // namespace lccl::perf
