#include "json_print.hpp"

namespace lccl::plan::detail {
namespace {

using OJson = nlohmann::ordered_json;
constexpr size_t kWidth = 100;

std::string compact(const OJson& j) {
  if (j.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < j.size(); ++i) out += (i ? ", " : "") + compact(j[i]);
    return out + "]";
  }
  if (j.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it, first = false)
      out += (first ? "" : ", ") + OJson(it.key()).dump() + ": " + compact(it.value());
    return out + "}";
  }
  return j.dump();
}

void print(const OJson& j, size_t indent, std::string& out) {
  std::string one = compact(j);
  bool isOp = j.is_object() && j.contains("op");
  if (!j.is_structured() || isOp || indent + one.size() <= kWidth || j.empty()) {
    out += one;
    return;
  }
  std::string pad(indent + 2, ' ');
  bool array = j.is_array();
  out += array ? "[\n" : "{\n";
  bool first = true;
  for (auto it = j.begin(); it != j.end(); ++it, first = false) {
    out += (first ? "" : ",\n") + pad;
    if (!array) out += OJson(it.key()).dump() + ": ";
    print(it.value(), indent + 2, out);
  }
  out += "\n" + std::string(indent, ' ') + (array ? "]" : "}");
}

}  // namespace

std::string printJson(const OJson& j) {
  std::string out;
  print(j, 0, out);
  return out + "\n";
}

}  // namespace lccl::plan::detail
