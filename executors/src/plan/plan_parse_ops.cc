// Plan files: one op object -> Op + ChunkRefs (ids resolved, ranges checked).
#include <string>

#include "parse_internal.hpp"

namespace lccl::plan::detail {
namespace {

enum class Refs : uint8_t { None, Local, Remote, Any };  // what a reference may name

struct OpSchema {
  const char* name;
  OpKind kind;
  bool srcList;  // "srcs": [...] instead of "src": {...}
  Refs src;
  bool dstList;  // "dsts": [...] instead of "dst": {...}
  Refs dst;
  bool channels;  // "channels": [ids]
  uint16_t minSrcs;
};

constexpr OpSchema kOps[] = {
    {"put", OpKind::Put, false, Refs::Local, false, Refs::Remote, false, 1},
    {"get", OpKind::Get, false, Refs::Remote, false, Refs::Local, false, 1},
    {"signal", OpKind::Signal, false, Refs::None, false, Refs::None, true, 0},
    {"wait", OpKind::Wait, false, Refs::None, false, Refs::None, true, 0},
    {"flush", OpKind::Flush, false, Refs::None, false, Refs::None, true, 0},
    {"copy", OpKind::Copy, false, Refs::Local, false, Refs::Local, false, 1},
    {"reduce", OpKind::Reduce, true, Refs::Local, false, Refs::Local, false, 2},
    {"read-reduce-copy", OpKind::ReadReduceCopy, true, Refs::Any, true, Refs::Any, false, 1},
    {"put-packets", OpKind::PutPackets, false, Refs::Local, false, Refs::Remote, false, 1},
    {"read-packets", OpKind::ReadPackets, false, Refs::Local, false, Refs::Local, false, 1},
    {"reduce-packets", OpKind::ReducePackets, true, Refs::Local, false, Refs::Local, false, 1},
    {"barrier", OpKind::Barrier, false, Refs::None, false, Refs::None, false, 0},
};

const std::pair<const char*, Buffer> kBufferNames[] = {
    {"input", Buffer::Input}, {"output", Buffer::Output}, {"scratch", Buffer::Scratch}};

const OpSchema* findSchema(const std::string& name) {
  for (const auto& s : kOps)
    if (name == s.name) return &s;
  return nullptr;
}

std::string opNames() {
  std::string out;
  for (const auto& s : kOps) out += std::string(out.empty() ? "" : ", ") + s.name;
  return out;
}

// A channel id -> index on `rank`, or -1 (reported) when there is none.
int32_t channelIndex(ParseContext& ctx, int rank, const Json& j, const std::string& path) {
  int64_t id = 0;
  if (!ctx.reader.integer(j, path, 0, INT32_MAX, id)) return -1;
  auto& index = ctx.channelIndex[rank];
  auto it = index.find(id);
  if (it != index.end()) return it->second;
  ctx.reader.error(path, "no channel " + std::to_string(id) + " on rank " + std::to_string(rank));
  return -1;
}

void checkRange(ParseContext& ctx, const ChunkRef& ref, uint32_t count, const std::string& path) {
  uint32_t size = ctx.plan.bufferChunks(ref.buffer);
  if (static_cast<uint64_t>(ref.chunk) + count <= size) return;
  std::string what = count == 1 ? "chunk " + std::to_string(ref.chunk)
                                : "chunks " + std::to_string(ref.chunk) + ".." +
                                      std::to_string(static_cast<uint64_t>(ref.chunk) + count - 1);
  ctx.reader.error(member(path, "chunk"), what + " out of range: " + bufferName(ref.buffer) +
                                              " has " + std::to_string(size) + " chunks");
}

bool parseRef(ParseContext& ctx, int rank, const Json& j, const std::string& path, Refs allowed,
              const char* opName, uint32_t count, ChunkRef& out) {
  JsonReader& r = ctx.reader;
  if (!r.object(j, path)) return false;
  bool ok = r.onlyKeys(j, path, {"buffer", "chunk", "channel"});
  const Json* buffer = r.find(j, path, "buffer", true);
  ok = buffer &&
       r.name(*buffer, member(path, "buffer"), NameTable<Buffer>{kBufferNames, 3}, "buffer",
              out.buffer) &&
       ok;
  int64_t chunk = 0;
  const Json* chunkJ = r.find(j, path, "chunk", true);
  ok = chunkJ && r.integer(*chunkJ, member(path, "chunk"), 0, kMaxChunks - 1, chunk) && ok;
  out.chunk = static_cast<uint32_t>(chunk);
  const Json* channel = r.find(j, path, "channel", false);
  if (channel && allowed == Refs::Local) {
    r.error(member(path, "channel"), std::string(opName) + " uses this rank's own buffer here");
    ok = false;
  } else if (!channel && allowed == Refs::Remote) {
    r.error(member(path, "channel"),
            std::string("missing: ") + opName + " reaches a peer's buffer through a channel");
    ok = false;
  } else if (channel) {
    out.channel = channelIndex(ctx, rank, *channel, member(path, "channel"));
    ok = out.channel >= 0 && ok;
  }
  if (ok) checkRange(ctx, out, count, path);
  return ok;
}

// "src" / "dst" (one object) or "srcs" / "dsts" (a list) of the op.
bool parseRefs(ParseContext& ctx, int rank, const Json& op, const std::string& path, bool list,
               const char* key, Refs allowed, const OpSchema& s, uint32_t count, uint16_t minCount,
               std::vector<ChunkRef>& out) {
  JsonReader& r = ctx.reader;
  std::string keyName = std::string(key) + (list ? "s" : "");
  const Json* j = r.find(op, path, keyName.c_str(), true);
  if (!j) return false;
  std::string p = member(path, keyName.c_str());
  if (!list) {
    out.emplace_back();
    return parseRef(ctx, rank, *j, p, allowed, s.name, count, out.back());
  }
  if (!r.array(*j, p, minCount, kMaxRefsPerOp)) return false;
  bool ok = true;
  for (size_t i = 0; i < j->size(); ++i) {
    out.emplace_back();
    ok = parseRef(ctx, rank, (*j)[i], element(p, i), allowed, s.name, count, out.back()) && ok;
  }
  return ok;
}

bool parseChannelList(ParseContext& ctx, int rank, const Json& op, const std::string& path,
                      std::vector<ChunkRef>& out) {
  const Json* j = ctx.reader.find(op, path, "channels", true);
  std::string p = member(path, "channels");
  if (!j || !ctx.reader.array(*j, p, 1, kMaxRefsPerOp)) return false;
  bool ok = true;
  for (size_t i = 0; i < j->size(); ++i) {
    ChunkRef ref;
    ref.channel = channelIndex(ctx, rank, (*j)[i], element(p, i));
    ok = ref.channel >= 0 && ok;
    out.push_back(ref);
  }
  return ok;
}

bool parseCount(JsonReader& r, const Json& j, const std::string& path, uint32_t& count) {
  const Json* c = r.find(j, path, "count", false);
  if (!c) return true;
  int64_t v = 0;
  if (!r.integer(*c, member(path, "count"), 1, kMaxChunks, v)) return false;
  count = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

bool parseOp(ParseContext& ctx, int rank, const Json& j, const std::string& path) {
  JsonReader& r = ctx.reader;
  if (!r.object(j, path)) return false;
  const Json* name = r.find(j, path, "op", true);
  std::string opName;
  if (!name || !r.text(*name, member(path, "op"), 64, opName)) return false;
  const OpSchema* s = findSchema(opName);
  if (!s) {
    r.error(member(path, "op"), "unknown op '" + opName + "' (expected " + opNames() + ")");
    return false;
  }
  bool data = s->src != Refs::None;
  bool ok =
      r.onlyKeys(j, path,
                 {"op", data ? "count" : "op", data ? (s->srcList ? "srcs" : "src") : "op",
                  data ? (s->dstList ? "dsts" : "dst") : "op", s->channels ? "channels" : "op"});
  Op op;
  op.kind = s->kind;
  std::vector<ChunkRef> srcs, dsts, chans;
  if (data) {
    ok = parseCount(r, j, path, op.count) && ok;
    ok = parseRefs(ctx, rank, j, path, s->srcList, "src", s->src, *s, op.count, s->minSrcs, srcs) &&
         ok;
    ok = parseRefs(ctx, rank, j, path, s->dstList, "dst", s->dst, *s, op.count, 1, dsts) && ok;
  }
  if (s->channels) ok = parseChannelList(ctx, rank, j, path, chans) && ok;
  if (!ok) return false;
  RankProgram& prog = ctx.plan.ranks[rank];
  op.firstRef = static_cast<uint32_t>(prog.refs.size());
  op.numSrcs = static_cast<uint16_t>(srcs.size());
  op.numDsts = static_cast<uint16_t>(dsts.size());
  op.numChannels = static_cast<uint16_t>(chans.size());
  prog.refs.insert(prog.refs.end(), srcs.begin(), srcs.end());
  prog.refs.insert(prog.refs.end(), dsts.begin(), dsts.end());
  prog.refs.insert(prog.refs.end(), chans.begin(), chans.end());
  prog.ops.push_back(op);
  return true;
}

}  // namespace lccl::plan::detail
