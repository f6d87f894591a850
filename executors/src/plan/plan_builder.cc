#include "plan_builder.hpp"

#include "lccl/executors/plan_json.hpp"

namespace lccl::plan::detail {
namespace {

OJson refJson(const Ref& r) {
  OJson j;
  if (r.channel >= 0) j["channel"] = r.channel;
  j["buffer"] = bufferName(r.buffer);
  j["chunk"] = r.chunk;
  return j;
}

OJson refList(const std::vector<Ref>& refs) {
  OJson j = OJson::array();
  for (const Ref& r : refs) j.push_back(refJson(r));
  return j;
}

OJson withCount(OJson op, uint32_t count) {
  if (count != 1) op["count"] = count;
  return op;
}

}  // namespace

void Tb::add(OJson op) { b_.ops_[rank_][index_].push_back(std::move(op)); }

void Tb::data(const char* op, Ref src, Ref dst, uint32_t count) {
  add(withCount(OJson{{"op", op}, {"src", refJson(src)}, {"dst", refJson(dst)}}, count));
}

void Tb::reduce(const std::vector<Ref>& srcs, Ref dst, uint32_t count) {
  add(withCount(OJson{{"op", "reduce"}, {"srcs", refList(srcs)}, {"dst", refJson(dst)}}, count));
}

void Tb::reducePackets(const std::vector<Ref>& srcs, Ref dst, uint32_t count) {
  add(withCount(OJson{{"op", "reduce-packets"}, {"srcs", refList(srcs)}, {"dst", refJson(dst)}},
                count));
}

void Tb::readReduceCopy(const std::vector<Ref>& srcs, const std::vector<Ref>& dsts,
                        uint32_t count) {
  add(withCount(OJson{{"op", "read-reduce-copy"}, {"srcs", refList(srcs)}, {"dsts", refList(dsts)}},
                count));
}

void Tb::sync(const char* op, const std::vector<int>& channels) {
  add(OJson{{"op", op}, {"channels", channels}});
}

void Tb::barrier() { add(OJson{{"op", "barrier"}}); }

PlanBuilder::PlanBuilder(std::string name, Collective c, int nranks, Protocol p, ReduceKind op,
                         bool inplace)
    : name_(std::move(name)),
      collective_(c),
      nranks_(nranks),
      protocol_(p),
      reduce_(op),
      inplace_(inplace),
      channels_(nranks),
      ops_(nranks) {}

void PlanBuilder::buffers(uint32_t input, uint32_t output, uint32_t scratch) {
  chunks_[0] = input;
  chunks_[1] = output;
  chunks_[2] = scratch;
}

int PlanBuilder::connect(int a, const End& endA, int b, const End& endB) {
  int id = nextChannel_++;
  auto add = [&](int rank, int peer, const End& e) {
    OJson ch{{"id", id}, {"peer", peer}};
    if (e.src) ch["src"] = bufferName(*e.src);
    if (e.dst) ch["dst"] = bufferName(*e.dst);
    channels_[rank].push_back(std::move(ch));
  };
  add(a, b, endA);
  add(b, a, endB);
  return id;
}

Tb PlanBuilder::tb(int rank, int index) {
  auto& tbs = ops_[rank];
  if (tbs.size() <= static_cast<size_t>(index)) tbs.resize(index + 1);
  return Tb(*this, rank, index);
}

OJson PlanBuilder::header() const {
  OJson j{{"format", "lccl-plan"},
          {"version", kFormatVersion},
          {"name", name_},
          {"collective", collectiveName(collective_)},
          {"nranks", nranks_}};
  if (reduce_ != ReduceKind::None) j["reduce_op"] = reduceKindName(reduce_);
  j["inplace"] = inplace_;
  return j;
}

OJson PlanBuilder::body() const {
  OJson j;
  j["protocol"] = protocolName(protocol_);
  j["buffers"] = OJson{{"input", {{"chunks", chunks_[0]}}},
                       {"output", {{"chunks", chunks_[1]}}},
                       {"scratch", {{"chunks", chunks_[2]}}}};
  j["channels"] = OJson::array();
  for (const auto& list : channels_) j["channels"].push_back(OJson(list));
  j["ranks"] = OJson::array();
  for (int r = 0; r < nranks_; ++r) {
    OJson tbs = OJson::array();
    for (size_t t = 0; t < ops_[r].size(); ++t)
      tbs.push_back(OJson{{"id", t}, {"ops", OJson(ops_[r][t])}});
    j["ranks"].push_back(OJson{{"rank", r}, {"threadblocks", tbs}});
  }
  return j;
}

OJson PlanBuilder::document() const {
  OJson j = header();
  if (!comment_.empty()) j["comment"] = comment_;
  OJson b = body();
  for (auto it = b.begin(); it != b.end(); ++it) j[it.key()] = it.value();
  return j;
}

}  // namespace lccl::plan::detail
