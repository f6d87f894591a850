// json_print.hpp (private) — the deterministic layout of generated plan files:
// objects and arrays on one line when they fit in 100 columns (ops always),
// otherwise one member or element per line, indented by two.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace lccl::plan::detail {

std::string printJson(const nlohmann::ordered_json& j);

}  // namespace lccl::plan::detail
