// The generator registry: names, options, the shipped set, variants.
#include "lccl/executors/generate.hpp"

#include "gen_internal.hpp"
#include "json_print.hpp"
#include "lccl/errors.hpp"

namespace lccl::plan {
namespace {

using detail::OJson;
using detail::PlanBuilder;
using Generator = void (*)(PlanBuilder&, const GenerateOptions&);

struct Entry {
  AlgorithmInfo info;
  Generator generate;  // nullptr: allreduce-auto (variants)
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> list = {
      {{"allreduce-ring", Collective::AllReduce, true, true,
        "reduce-scatter then all-gather around a ring"},
       detail::allreduceRing},
      {{"allreduce-oneshot", Collective::AllReduce, true, true,
        "every rank gets every input and reduces all of it"},
       detail::allreduceOneShot},
      {{"allreduce-twoshot", Collective::AllReduce, true, true,
        "rank r reduces chunk r of every input, then sends it to every rank"},
       detail::allreduceTwoShot},
      {{"allreduce-auto", Collective::AllReduce, false, false,
        "variants: oneshot LL below 64 KiB, twoshot simple from 64 KiB"},
       nullptr},
      {{"allgather-direct", Collective::AllGather, true, true,
        "every rank writes its input into every output"},
       detail::allgatherDirect},
      {{"reducescatter-direct", Collective::ReduceScatter, true, true,
        "rank r reduces chunk r of every input"},
       detail::reducescatterDirect},
      {{"alltoall-direct", Collective::AllToAll, true, false,
        "one threadblock per peer, one block each way"},
       detail::alltoallDirect},
  };
  return list;
}

const Entry& find(const std::string& name) {
  for (const Entry& e : entries())
    if (name == e.info.name) return e;
  std::string known;
  for (const Entry& e : entries()) known += std::string(known.empty() ? "" : ", ") + e.info.name;
  throw InvalidArgumentError("unknown algorithm '" + name + "' (known: " + known + ")");
}

void checkOptions(const Entry& e, const GenerateOptions& o) {
  if (o.nranks < kMinGenerateRanks || o.nranks > kMaxGenerateRanks)
    throw InvalidArgumentError("--ranks must be " + std::to_string(kMinGenerateRanks) + ".." +
                               std::to_string(kMaxGenerateRanks));
  if (o.inplace && !e.info.inplace)
    throw InvalidArgumentError(std::string(e.info.name) + " has no in-place form");
  bool reduces = collectiveReduces(e.info.collective);
  if (reduces && o.reduce == ReduceKind::None)
    throw InvalidArgumentError(std::string(e.info.name) + " needs a reduce op");
}

PlanBuilder builder(const Entry& e, const GenerateOptions& o) {
  ReduceKind op = collectiveReduces(e.info.collective) ? o.reduce : ReduceKind::None;
  return PlanBuilder(generatedName(o), e.info.collective, o.nranks, o.protocol, op, o.inplace);
}

// allreduce-auto: a plan file of variants chosen by message size.
OJson autoDocument(const GenerateOptions& o) {
  GenerateOptions small = o, large = o;
  small.algorithm = "allreduce-oneshot";
  small.protocol = Protocol::LL;
  large.algorithm = "allreduce-twoshot";
  large.protocol = Protocol::Simple;
  PlanBuilder head = builder(find(o.algorithm), o);
  PlanBuilder a = builder(find(small.algorithm), small), b = builder(find(large.algorithm), large);
  detail::allreduceOneShot(a, small);
  detail::allreduceTwoShot(b, large);
  OJson doc = head.header();
  doc["comment"] = "oneshot LL for small messages, twoshot simple for large ones";
  OJson va{{"name", a.name()}}, vb{{"name", b.name()}};  // name first
  va.update(a.body());
  vb.update(b.body());
  doc["variants"] = OJson::array({OJson{{"min_bytes", 0}, {"max_bytes", 65536}, {"plan", va}},
                                  OJson{{"min_bytes", 65536}, {"plan", vb}}});
  return doc;
}

}  // namespace

const std::vector<AlgorithmInfo>& algorithms() {
  static const std::vector<AlgorithmInfo> list = [] {
    std::vector<AlgorithmInfo> out;
    for (const Entry& e : entries()) out.push_back(e.info);
    return out;
  }();
  return list;
}

std::string generatedName(const GenerateOptions& o) {
  std::string name = o.algorithm;
  bool protocols = true, reduces = true;
  for (const Entry& e : entries())
    if (o.algorithm == e.info.name) {
      protocols = e.info.protocols;
      reduces = collectiveReduces(e.info.collective);
    }
  if (protocols) name += o.protocol == Protocol::LL ? "-ll" : "-simple";
  name += "-" + std::to_string(o.nranks);
  if (reduces && o.reduce != ReduceKind::Sum && o.reduce != ReduceKind::None)
    name += std::string("-") + reduceKindName(o.reduce);
  if (o.inplace) name += "-inplace";
  return name;
}

std::string generatePlan(const GenerateOptions& o) {
  const Entry& e = find(o.algorithm);
  checkOptions(e, o);
  if (!e.generate) return detail::printJson(autoDocument(o));
  PlanBuilder b = builder(e, o);
  e.generate(b, o);
  return detail::printJson(b.document());
}

std::vector<GenerateOptions> shippedPlans() {
  std::vector<GenerateOptions> out;
  for (const Entry& e : entries())
    for (int n : {2, 4, 8})
      for (Protocol p : {Protocol::Simple, Protocol::LL}) {
        if (!e.info.protocols && p == Protocol::LL) continue;
        out.push_back(GenerateOptions{e.info.name, n, p, ReduceKind::Sum, false});
      }
  return out;
}

}  // namespace lccl::plan
