// json_reader.hpp (private) — typed access to nlohmann::json values that
// reports, instead of throwing, what is wrong and where (a JSON path).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "lccl/executors/diagnostics.hpp"

namespace lccl::plan::detail {

using Json = nlohmann::json;

std::string member(const std::string& path, const char* key);  // "a.key" (or "key")
std::string element(const std::string& path, size_t i);        // "a[i]"

// A name -> value table for string enums.
template <class E>
struct NameTable {
  const std::pair<const char*, E>* entries;
  size_t size;
};

class JsonReader {
 public:
  explicit JsonReader(Diagnostics& d) : d_(d) {}
  Diagnostics& diags() { return d_; }
  void error(const std::string& path, const std::string& message) { d_.error(path, message); }

  // obj[key], or nullptr (reported as missing when `required`). `obj` must be an object.
  const Json* find(const Json& obj, const std::string& path, const char* key, bool required);
  bool object(const Json& j, const std::string& path);
  bool array(const Json& j, const std::string& path, size_t minSize, size_t maxSize);
  bool integer(const Json& j, const std::string& path, int64_t min, int64_t max, int64_t& out);
  bool text(const Json& j, const std::string& path, size_t maxLength, std::string& out);
  bool boolean(const Json& j, const std::string& path, bool& out);
  // Reports every member of `obj` not in `allowed` ("comment" is always allowed).
  bool onlyKeys(const Json& obj, const std::string& path,
                std::initializer_list<const char*> allowed);

  template <class E>
  bool name(const Json& j, const std::string& path, NameTable<E> table, const char* what, E& out) {
    std::string s;
    if (!text(j, path, 64, s)) return false;
    for (size_t i = 0; i < table.size; ++i)
      if (s == table.entries[i].first) {
        out = table.entries[i].second;
        return true;
      }
    std::string expected;
    for (size_t i = 0; i < table.size; ++i)
      expected += std::string(i ? ", " : "") + table.entries[i].first;
    error(path, "unknown " + std::string(what) + " '" + s + "' (expected " + expected + ")");
    return false;
  }

 private:
  Diagnostics& d_;
};

// Short description of a value for messages: "string \"abc\"", "number 1.5", "array".
std::string describe(const Json& j);

}  // namespace lccl::plan::detail
