#include "json_reader.hpp"

namespace lccl::plan::detail {

std::string member(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

std::string element(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string describe(const Json& j) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    if (s.size() > 32) s = s.substr(0, 32) + "...";
    return "string " + Json(s).dump(-1, ' ', true, Json::error_handler_t::replace);
  }
  if (j.is_number() || j.is_boolean() || j.is_null())
    return std::string(j.type_name()) + " " + j.dump();
  return j.type_name();
}

const Json* JsonReader::find(const Json& obj, const std::string& path, const char* key,
                             bool required) {
  auto it = obj.find(key);
  if (it != obj.end()) return &*it;
  if (required) error(member(path, key), "missing (required)");
  return nullptr;
}

bool JsonReader::object(const Json& j, const std::string& path) {
  if (j.is_object()) return true;
  error(path, "expected an object, got " + describe(j));
  return false;
}

bool JsonReader::array(const Json& j, const std::string& path, size_t minSize, size_t maxSize) {
  if (!j.is_array()) {
    error(path, "expected an array, got " + describe(j));
    return false;
  }
  if (j.size() < minSize || j.size() > maxSize) {
    error(path, "has " + std::to_string(j.size()) + " entries (expected " +
                    std::to_string(minSize) + ".." + std::to_string(maxSize) + ")");
    return false;
  }
  return true;
}

bool JsonReader::integer(const Json& j, const std::string& path, int64_t min, int64_t max,
                         int64_t& out) {
  if (!j.is_number_integer()) {
    error(path, "expected an integer, got " + describe(j));
    return false;
  }
  bool inRange;
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    inRange = max >= 0 && u <= static_cast<uint64_t>(max) && static_cast<int64_t>(u) >= min;
    out = inRange ? static_cast<int64_t>(u) : 0;
  } else {
    out = j.get<int64_t>();
    inRange = out >= min && out <= max;
  }
  if (!inRange)
    error(path,
          j.dump() + " is out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")");
  return inRange;
}

bool JsonReader::text(const Json& j, const std::string& path, size_t maxLength, std::string& out) {
  if (!j.is_string()) {
    error(path, "expected a string, got " + describe(j));
    return false;
  }
  out = j.get<std::string>();
  if (out.size() > maxLength) {
    error(path, "longer than " + std::to_string(maxLength) + " characters");
    return false;
  }
  return true;
}

bool JsonReader::boolean(const Json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) {
    error(path, "expected true or false, got " + describe(j));
    return false;
  }
  out = j.get<bool>();
  return true;
}

bool JsonReader::onlyKeys(const Json& obj, const std::string& path,
                          std::initializer_list<const char*> allowed) {
  bool ok = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = it.key() == "comment";
    for (const char* k : allowed) known = known || it.key() == k;
    if (known) continue;
    std::string key = it.key().size() > 40 ? it.key().substr(0, 40) + "..." : it.key();
    error(member(path, key.c_str()), "unknown field");
    ok = false;
  }
  return ok;
}

}  // namespace lccl::plan::detail
