// plan_builder.hpp (private) — writing plan files from C++, so that the
// generators read like the algorithms' pseudocode:
//
//   int ch = b.connect(r, {Buffer::Input, Buffer::Scratch}, q, {});
//   Tb tb = b.tb(r, 0);
//   tb.put(local(Buffer::Input, 0), remote(ch, Buffer::Scratch, 0));
//   tb.signal({ch});
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lccl/executors/plan.hpp"

namespace lccl::plan::detail {

using OJson = nlohmann::ordered_json;

struct Ref {
  Buffer buffer;
  uint32_t chunk;
  int channel = -1;  // JSON channel id; -1 = this rank's own buffer
};
inline Ref local(Buffer b, uint32_t chunk) { return Ref{b, chunk, -1}; }
inline Ref remote(int channel, Buffer b, uint32_t chunk) { return Ref{b, chunk, channel}; }

// One end of a channel: the buffers it binds (either may be absent).
struct End {
  std::optional<Buffer> src;
  std::optional<Buffer> dst;
};

class PlanBuilder;

// Appends ops to one threadblock.
class Tb {
 public:
  Tb(PlanBuilder& b, int rank, int index) : b_(b), rank_(rank), index_(index) {}
  void put(Ref src, Ref dst, uint32_t count = 1) { data("put", src, dst, count); }
  void get(Ref src, Ref dst, uint32_t count = 1) { data("get", src, dst, count); }
  void copy(Ref src, Ref dst, uint32_t count = 1) { data("copy", src, dst, count); }
  void putPackets(Ref src, Ref dst, uint32_t count = 1) { data("put-packets", src, dst, count); }
  void readPackets(Ref src, Ref dst, uint32_t count = 1) { data("read-packets", src, dst, count); }
  void reduce(const std::vector<Ref>& srcs, Ref dst, uint32_t count = 1);
  void reducePackets(const std::vector<Ref>& srcs, Ref dst, uint32_t count = 1);
  void readReduceCopy(const std::vector<Ref>& srcs, const std::vector<Ref>& dsts,
                      uint32_t count = 1);
  void signal(const std::vector<int>& channels) { sync("signal", channels); }
  void wait(const std::vector<int>& channels) { sync("wait", channels); }
  void barrier();

 private:
  void data(const char* op, Ref src, Ref dst, uint32_t count);
  void sync(const char* op, const std::vector<int>& channels);
  void add(OJson op);
  PlanBuilder& b_;
  int rank_, index_;
};

class PlanBuilder {
 public:
  PlanBuilder(std::string name, Collective c, int nranks, Protocol p, ReduceKind op, bool inplace);

  void comment(std::string text) { comment_ = std::move(text); }
  void buffers(uint32_t input, uint32_t output, uint32_t scratch);
  // A new connection between ranks a and b; returns its channel id.
  int connect(int a, const End& endA, int b, const End& endB);
  // Threadblock `index` of `rank` (threadblocks must be created in order).
  Tb tb(int rank, int index);

  OJson header() const;  // format, version, name, collective, nranks, reduce_op, root, inplace
  OJson body() const;    // protocol, buffers, channels, ranks
  OJson document() const;
  const std::string& name() const { return name_; }

 private:
  friend class Tb;
  std::string name_, comment_;
  Collective collective_;
  int nranks_;
  Protocol protocol_;
  ReduceKind reduce_;
  bool inplace_;
  uint32_t chunks_[kNumBuffers] = {0, 0, 0};
  int nextChannel_ = 0;
  std::vector<std::vector<OJson>> channels_;          // [rank]
  std::vector<std::vector<std::vector<OJson>>> ops_;  // [rank][tb]
};

}  // namespace lccl::plan::detail
