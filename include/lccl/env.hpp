// lccl/env.hpp — the one registry of lccl's environment variables.
//
// Every variable lccl reads is listed in Env::registry() with its default and
// meaning. Values are read once (the first time Env::instance() is used); the
// effective value of each comes from, in order: the LCCL_* variable, its alias
// (usually the NCCL_* equivalent, so existing job scripts keep working), the
// default. lccl never sets an environment variable. Non-default values are
// logged at INFO once logging starts; `lccl-info` prints the whole table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lccl {

struct EnvVar {
  const char* name;          // LCCL_*
  const char* alias;         // equivalent honoured when `name` is unset, or nullptr
  const char* defaultValue;  // as text; "" means unset
  const char* meaning;
};

enum class EnvSource { Default, Lccl, Alias };
const char* envSourceName(EnvSource s);

class Env {
 public:
  struct Entry {
    const EnvVar* var;
    std::string value;
    EnvSource source;
  };
  using Lookup = std::function<const char*(const char*)>;

  // The process-wide values, read from the environment on first use.
  static const Env& instance();
  // Every variable lccl knows, in display order.
  static const std::vector<EnvVar>& registry();

  // Reads every registered variable through `lookup` (tests pass their own).
  explicit Env(const Lookup& lookup);

  // Typed accessors. `name` must be registered (else InvalidArgumentError);
  // a value that does not parse throws InvalidArgumentError naming the variable.
  const std::string& str(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  bool flag(std::string_view name) const;
  uint64_t size(std::string_view name) const;  // accepts K/M/G binary suffixes
  const Entry& entry(std::string_view name) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// Parsers shared by Env and the command-line tools. `what` names the value in
// the error message (e.g. the variable or flag).
int64_t parseInteger(std::string_view what, std::string_view text);
bool parseBool(std::string_view what, std::string_view text);
uint64_t parseSize(std::string_view what, std::string_view text);

}  // namespace lccl
