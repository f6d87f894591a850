// Plan files: JSON text -> PlanFile. The document, its header, variants,
// buffers, channels, ranks and threadblocks; ops are in plan_parse_ops.cc.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "lccl/executors/plan_json.hpp"
#include "parse_internal.hpp"

namespace lccl::plan {
namespace {

using detail::element;
using detail::Json;
using detail::JsonReader;
using detail::member;
using detail::NameTable;
using detail::ParseContext;

const std::pair<const char*, Collective> kCollectives[] = {
    {"allreduce", Collective::AllReduce},         {"allgather", Collective::AllGather},
    {"reducescatter", Collective::ReduceScatter}, {"alltoall", Collective::AllToAll},
    {"broadcast", Collective::Broadcast},         {"reduce", Collective::Reduce}};
const std::pair<const char*, Protocol> kProtocols[] = {{"simple", Protocol::Simple},
                                                       {"LL", Protocol::LL}};
const std::pair<const char*, ReduceKind> kReduceKinds[] = {{"sum", ReduceKind::Sum},
                                                           {"prod", ReduceKind::Prod},
                                                           {"max", ReduceKind::Max},
                                                           {"min", ReduceKind::Min},
                                                           {"avg", ReduceKind::Avg}};
const std::pair<const char*, Buffer> kBuffers[] = {
    {"input", Buffer::Input}, {"output", Buffer::Output}, {"scratch", Buffer::Scratch}};

template <class E, size_t N>
NameTable<E> table(const std::pair<const char*, E> (&t)[N]) {
  return NameTable<E>{t, N};
}

// Size and nesting depth, checked on the raw text so that no parser recursion
// or allocation depends on hostile input.
bool precheck(std::string_view text, Diagnostics& d) {
  if (text.size() > kMaxPlanBytes) {
    d.error("", "file is " + std::to_string(text.size()) + " bytes; plans are limited to " +
                    std::to_string(kMaxPlanBytes));
    return false;
  }
  int depth = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        d.error("", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        return false;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

bool parseJson(std::string_view text, Json& out, Diagnostics& d) {
  if (!precheck(text, d)) return false;
  try {
    out = Json::parse(text.begin(), text.end());
    return true;
  } catch (const Json::exception& e) {
    std::string what = e.what();
    auto pos = what.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] "
    d.error("", "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
    return false;
  }
}

bool parseFormat(JsonReader& r, const Json& root) {
  const Json* format = r.find(root, "", "format", true);
  std::string f;
  if (format && r.text(*format, "format", 64, f) && f != "lccl-plan")
    r.error("format", "'" + f + "' is not \"lccl-plan\"");
  const Json* version = r.find(root, "", "version", true);
  int64_t v = 0;
  if (version && r.integer(*version, "version", 0, INT32_MAX, v) && v != kFormatVersion)
    r.error("version", "unsupported version " + std::to_string(v) + " (this lccl reads version " +
                           std::to_string(kFormatVersion) + ")");
  return !r.diags().hasErrors();
}

// name, collective, nranks, reduce_op, root, inplace: what the plan computes.
void parseHeader(JsonReader& r, const Json& root, Plan& p) {
  if (const Json* j = r.find(root, "", "name", true)) r.text(*j, "name", 200, p.name);
  if (const Json* j = r.find(root, "", "collective", true))
    r.name(*j, "collective", table(kCollectives), "collective", p.collective);
  int64_t n = 0;
  if (const Json* j = r.find(root, "", "nranks", true))
    if (r.integer(*j, "nranks", 1, kMaxRanks, n)) p.nranks = static_cast<int>(n);
  const Json* op = r.find(root, "", "reduce_op", false);
  if (op && !collectiveReduces(p.collective))
    r.error("reduce_op", std::string(collectiveName(p.collective)) + " does not reduce");
  else if (op)
    r.name(*op, "reduce_op", table(kReduceKinds), "reduce_op", p.reduce);
  else if (collectiveReduces(p.collective))
    r.error("reduce_op",
            "missing (required for " + std::string(collectiveName(p.collective)) + ")");
  bool rooted = p.collective == Collective::Broadcast || p.collective == Collective::Reduce;
  const Json* rootJ = r.find(root, "", "root", false);
  int64_t rootRank = 0;
  if (rootJ && !rooted)
    r.error("root", std::string(collectiveName(p.collective)) + " has no root");
  else if (rootJ && p.nranks > 0 && r.integer(*rootJ, "root", 0, p.nranks - 1, rootRank))
    p.root = static_cast<int>(rootRank);
  else if (!rootJ && rooted)
    r.error("root", "missing (required for " + std::string(collectiveName(p.collective)) + ")");
  if (const Json* j = r.find(root, "", "inplace", false)) r.boolean(*j, "inplace", p.inplace);
}

void parseBuffers(JsonReader& r, const Json& j, const std::string& path, Plan& p) {
  if (!r.object(j, path)) return;
  r.onlyKeys(j, path, {"input", "output", "scratch"});
  for (const auto& [key, buffer] : kBuffers) {
    std::string bp = member(path, key);
    const Json* b = r.find(j, path, key, buffer != Buffer::Scratch);
    if (!b || !r.object(*b, bp)) continue;
    r.onlyKeys(*b, bp, {"chunks"});
    int64_t chunks = 0;
    bool scratch = buffer == Buffer::Scratch;
    if (const Json* c = r.find(*b, bp, "chunks", true))
      if (r.integer(*c, member(bp, "chunks"), scratch ? 0 : 1, kMaxChunks, chunks))
        p.chunks[static_cast<int>(buffer)] = static_cast<uint32_t>(chunks);
  }
}

void parseChannel(ParseContext& ctx, int rank, const Json& j, const std::string& path) {
  JsonReader& r = ctx.reader;
  if (!r.object(j, path)) return;
  r.onlyKeys(j, path, {"id", "peer", "src", "dst"});
  Channel ch;
  int64_t id = 0, peer = 0;
  const Json* idJ = r.find(j, path, "id", true);
  const Json* peerJ = r.find(j, path, "peer", true);
  bool ok = idJ && r.integer(*idJ, member(path, "id"), 0, INT32_MAX, id);
  ok = peerJ && r.integer(*peerJ, member(path, "peer"), 0, ctx.plan.nranks - 1, peer) && ok;
  if (const Json* s = r.find(j, path, "src", false))
    ch.hasSrc = r.name(*s, member(path, "src"), table(kBuffers), "buffer", ch.src);
  if (const Json* s = r.find(j, path, "dst", false))
    ch.hasDst = r.name(*s, member(path, "dst"), table(kBuffers), "buffer", ch.dst);
  if (!ok) return;
  ch.id = static_cast<int32_t>(id);
  ch.peer = static_cast<int32_t>(peer);
  auto& index = ctx.channelIndex[rank];
  if (index.count(id)) {
    r.error(member(path, "id"),
            "channel " + std::to_string(id) + " is declared twice on rank " + std::to_string(rank));
    return;
  }
  auto& channels = ctx.plan.ranks[rank].channels;
  index[id] = static_cast<int32_t>(channels.size());
  channels.push_back(ch);
}

// Links each channel to the other end of its connection: the peer's channel
// with the same id, if that one goes back to this rank (checkPlan reports the rest).
void pairChannels(ParseContext& ctx) {
  for (size_t rank = 0; rank < ctx.plan.ranks.size(); ++rank)
    for (Channel& ch : ctx.plan.ranks[rank].channels) {
      if (ch.peer == static_cast<int32_t>(rank)) continue;
      auto& peerIndex = ctx.channelIndex[ch.peer];
      auto it = peerIndex.find(ch.id);
      if (it == peerIndex.end()) continue;
      if (ctx.plan.ranks[ch.peer].channels[it->second].peer == static_cast<int32_t>(rank))
        ch.peerIndex = it->second;
    }
}

void parseChannels(ParseContext& ctx, const Json& j, const std::string& path) {
  JsonReader& r = ctx.reader;
  size_t n = static_cast<size_t>(ctx.plan.nranks);
  if (!r.array(j, path, n, n)) return;
  for (size_t rank = 0; rank < n; ++rank) {
    std::string rp = element(path, rank);
    if (!r.array(j[rank], rp, 0, kMaxChannelsPerRank)) continue;
    for (size_t i = 0; i < j[rank].size(); ++i)
      parseChannel(ctx, static_cast<int>(rank), j[rank][i], element(rp, i));
  }
  pairChannels(ctx);
}

void parseThreadblock(ParseContext& ctx, int rank, size_t index, const Json& j,
                      const std::string& path) {
  JsonReader& r = ctx.reader;
  RankProgram& prog = ctx.plan.ranks[rank];
  Threadblock tb;
  tb.firstOp = static_cast<uint32_t>(prog.ops.size());
  if (r.object(j, path)) {
    r.onlyKeys(j, path, {"id", "ops"});
    int64_t id = 0;
    if (const Json* idJ = r.find(j, path, "id", true))
      if (r.integer(*idJ, member(path, "id"), 0, kMaxThreadblocksPerRank, id) &&
          static_cast<size_t>(id) != index)
        r.error(member(path, "id"), "is " + std::to_string(id) + ", expected " +
                                        std::to_string(index) + " (list threadblocks in id order)");
    const Json* ops = r.find(j, path, "ops", true);
    std::string opsPath = member(path, "ops");
    if (ops && r.array(*ops, opsPath, 0, kMaxOpsTotal)) {
      ctx.totalOps += ops->size();
      if (ctx.totalOps > kMaxOpsTotal)
        r.error(opsPath, "the plan has more than " + std::to_string(kMaxOpsTotal) + " ops");
      else
        for (size_t i = 0; i < ops->size(); ++i)
          detail::parseOp(ctx, rank, (*ops)[i], element(opsPath, i));
    }
  }
  tb.numOps = static_cast<uint32_t>(prog.ops.size()) - tb.firstOp;
  prog.threadblocks.push_back(tb);
}

void parseRank(ParseContext& ctx, size_t index, const Json& j, const std::string& path) {
  JsonReader& r = ctx.reader;
  if (!r.object(j, path)) return;
  r.onlyKeys(j, path, {"rank", "threadblocks"});
  int64_t rank = 0;
  if (const Json* rj = r.find(j, path, "rank", true))
    if (r.integer(*rj, member(path, "rank"), 0, kMaxRanks, rank) &&
        static_cast<size_t>(rank) != index)
      r.error(member(path, "rank"), "is " + std::to_string(rank) + ", expected " +
                                        std::to_string(index) + " (list ranks in order)");
  const Json* tbs = r.find(j, path, "threadblocks", true);
  std::string tbPath = member(path, "threadblocks");
  if (!tbs || !r.array(*tbs, tbPath, 0, kMaxThreadblocksPerRank)) return;
  ctx.totalThreadblocks += tbs->size();
  if (ctx.totalThreadblocks > kMaxThreadblocksTotal) {
    r.error(tbPath,
            "the plan has more than " + std::to_string(kMaxThreadblocksTotal) + " threadblocks");
    return;
  }
  for (size_t t = 0; t < tbs->size(); ++t)
    parseThreadblock(ctx, static_cast<int>(index), t, (*tbs)[t], element(tbPath, t));
}

// protocol, chunks_per_rank, buffers, channels, ranks: how the plan computes it.
void parseBody(JsonReader& r, const Json& j, const std::string& base, Plan& p) {
  p.path = base.empty() ? "" : base + ".";
  if (const Json* pr = r.find(j, base, "protocol", true))
    r.name(*pr, member(base, "protocol"), table(kProtocols), "protocol", p.protocol);
  int64_t cpr = 0;
  if (const Json* c = r.find(j, base, "chunks_per_rank", false))
    if (r.integer(*c, member(base, "chunks_per_rank"), 1, kMaxChunks, cpr))
      p.chunksPerRank = static_cast<uint32_t>(cpr);
  const Json* buffers = r.find(j, base, "buffers", true);
  if (buffers) parseBuffers(r, *buffers, member(base, "buffers"), p);
  const Json* channels = r.find(j, base, "channels", true);
  const Json* ranks = r.find(j, base, "ranks", true);
  if (r.diags().hasErrors() || p.nranks <= 0) return;  // ops need buffers and nranks
  p.ranks.assign(static_cast<size_t>(p.nranks), RankProgram{});
  ParseContext ctx{r, p, {}, 0, 0};
  ctx.channelIndex.resize(p.ranks.size());
  parseChannels(ctx, *channels, member(base, "channels"));
  if (r.diags().hasErrors()) return;  // ops would only repeat "no channel" errors
  std::string rp = member(base, "ranks");
  if (!r.array(*ranks, rp, p.ranks.size(), p.ranks.size())) return;
  for (size_t i = 0; i < ranks->size(); ++i) parseRank(ctx, i, (*ranks)[i], element(rp, i));
}

void parseVariant(JsonReader& r, const Json& j, const std::string& path, const Plan& header,
                  Variant& v) {
  if (!r.object(j, path)) return;
  r.onlyKeys(j, path, {"min_bytes", "max_bytes", "plan"});
  int64_t lo = 0, hi = 0;
  if (const Json* m = r.find(j, path, "min_bytes", true))
    if (r.integer(*m, member(path, "min_bytes"), 0, INT64_MAX, lo)) v.minBytes = lo;
  if (const Json* m = r.find(j, path, "max_bytes", false))
    if (r.integer(*m, member(path, "max_bytes"), 1, INT64_MAX, hi)) v.maxBytes = hi;
  const Json* plan = r.find(j, path, "plan", true);
  std::string pp = member(path, "plan");
  if (!plan || !r.object(*plan, pp)) return;
  r.onlyKeys(*plan, pp, {"name", "protocol", "chunks_per_rank", "buffers", "channels", "ranks"});
  v.plan = header;
  if (const Json* n = r.find(*plan, pp, "name", false))
    r.text(*n, member(pp, "name"), 200, v.plan.name);
  parseBody(r, *plan, pp, v.plan);
}

void parseVariants(JsonReader& r, const Json& j, const Plan& header, PlanFile& out) {
  if (!r.array(j, "variants", 1, 64)) return;
  out.variants.resize(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    parseVariant(r, j[i], element("variants", i), header, out.variants[i]);
    if (r.diags().hasErrors()) return;  // one broken variant is enough to report
  }
  for (size_t i = 0; i < out.variants.size(); ++i) {
    const Variant& v = out.variants[i];
    uint64_t expected = i == 0 ? 0 : out.variants[i - 1].maxBytes;
    std::string vp = element("variants", i);
    if (v.minBytes >= v.maxBytes)
      r.error(member(vp, "max_bytes"), "must be larger than min_bytes");
    else if (v.minBytes != expected)
      r.error(member(vp, "min_bytes"),
              "is " + std::to_string(v.minBytes) + ", expected " + std::to_string(expected) +
                  " (variants cover sizes from 0 in order, without gaps or overlaps)");
    else if (i + 1 < out.variants.size() && v.maxBytes == UINT64_MAX)
      r.error(member(vp, "max_bytes"), "missing: only the last variant may be unbounded");
  }
}

bool parseDocument(JsonReader& r, const Json& root, PlanFile& out) {
  if (!r.object(root, "")) return false;
  if (!parseFormat(r, root)) return false;
  Plan header;
  parseHeader(r, root, header);
  out.name = header.name;
  const Json* variants = r.find(root, "", "variants", false);
  if (variants) {
    r.onlyKeys(root, "",
               {"format", "version", "name", "collective", "nranks", "reduce_op", "root", "inplace",
                "variants"});
    out.hasVariants = true;
    if (!r.diags().hasErrors()) parseVariants(r, *variants, header, out);
  } else {
    r.onlyKeys(root, "",
               {"format", "version", "name", "collective", "nranks", "reduce_op", "root", "inplace",
                "protocol", "chunks_per_rank", "buffers", "channels", "ranks"});
    out.variants.resize(1);
    out.variants[0].plan = header;
    if (!r.diags().hasErrors()) parseBody(r, root, "", out.variants[0].plan);
  }
  return !r.diags().hasErrors();
}

}  // namespace

bool parsePlan(std::string_view text, PlanFile& out, Diagnostics& diags) {
  out = PlanFile{};
  Diagnostics local;
  bool ok = false;
  try {
    Json root;
    JsonReader reader(local);
    ok = parseJson(text, root, local) && parseDocument(reader, root, out);
  } catch (const std::exception& e) {  // a bug of ours, not the input's: still no crash
    local.error("", std::string("internal error while reading the plan: ") + e.what());
    ok = false;
  }
  diags.merge(local);
  if (!ok) out = PlanFile{};
  return ok;
}

bool readTextFile(const std::string& path, std::string& text, std::string& error) {
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxPlanBytes) {
    error = path + ": not a readable file of at most " + std::to_string(kMaxPlanBytes) + " bytes";
    return false;
  }
  in.seekg(0);
  text.resize(static_cast<size_t>(size));
  in.read(text.data(), size);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  return true;
}

}  // namespace lccl::plan
