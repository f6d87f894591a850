#include "lccl_perf/json.hpp"

#include <cmath>
#include <cstdio>

namespace lccl::perf {

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

JsonObject& JsonObject::raw(const std::string& key, const std::string& text) {
  if (!body_.empty()) body_ += ",";
  body_ += "\"" + jsonEscape(key) + "\":" + text;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, const std::string& value) {
  return raw(key, "\"" + jsonEscape(value) + "\"");
}
JsonObject& JsonObject::add(const std::string& key, const char* value) { return add(key, std::string(value)); }
JsonObject& JsonObject::add(const std::string& key, int64_t value) { return raw(key, std::to_string(value)); }
JsonObject& JsonObject::add(const std::string& key, uint64_t value) { return raw(key, std::to_string(value)); }
JsonObject& JsonObject::add(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
JsonObject& JsonObject::addNull(const std::string& key) { return raw(key, "null"); }

JsonObject& JsonObject::add(const std::string& key, double value) {
  if (!std::isfinite(value)) return addNull(key);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return raw(key, buf);
}

std::string headerJson(const HeaderInfo& h) {
  JsonObject o;
  o.add("kind", "header").add("tool", "lccl-perf").add("collective", h.run.collective);
  o.add("gpu", h.gpu).add("nranks", h.run.nranks).add("lccl_version", h.lcclVersion);
  o.add("nccl_version", h.ncclVersion).add("nccl_path", h.ncclPath).add("date", h.date);
  o.add("host", h.host).add("libs", h.libs).add("graph", h.run.graphIters).add("iters", h.run.iters);
  o.add("warmup", h.warmup).add("average", h.average).add("check", h.check).add("blocking", h.blocking);
  o.add("command", h.commandLine);
  return o.str();
}

std::string resultJson(const RunInfo& run, const ResultRow& row, bool inPlace, const std::string& status) {
  const ResultCell& c = inPlace ? row.inPlace : row.outOfPlace;
  JsonObject o;
  o.add("kind", "result").add("lib", row.lib).add("collective", run.collective);
  o.add("size", row.bytes).add("count", static_cast<uint64_t>(row.count)).add("type", typeName(row.type));
  o.add("op", opName(row.op)).add("root", row.root).add("inplace", inPlace);
  if (c.ran) {
    o.add("time_us", c.timeUs).add("algbw", c.algBw).add("busbw", c.busBw);
  } else {
    o.addNull("time_us").addNull("algbw").addNull("busbw");
  }
  if (c.ran && c.wrong >= 0) o.add("wrong", c.wrong); else o.addNull("wrong");
  o.add("nranks", run.nranks).add("graph", run.graphIters).add("iters", run.iters).add("status", status);
  return o.str();
}

std::string m1Json(const RunInfo& run, const M1Record& m) {
  JsonObject o;
  o.add("kind", "m1").add("lib", m.lib).add("collective", "m1").add("tokens", m.tokens);
  if (m.ran) {
    o.add("step_us", m.stepUs).add("per_op_us", m.collectives ? m.stepUs / m.collectives : 0.0);
  } else {
    o.addNull("step_us").addNull("per_op_us");
  }
  o.add("collectives", m.collectives).add("bf16_bytes", m.bf16Bytes);
  if (m.ran && m.wrong >= 0) o.add("wrong", m.wrong); else o.addNull("wrong");
  o.add("nranks", run.nranks).add("graph", 1).add("iters", run.iters).add("status", m.ran ? "ok" : "n/a");
  return o.str();
}

}  // namespace lccl::perf
