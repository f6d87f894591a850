// lccl/executors/plan_json.hpp — reading plan files (docs/plan-format.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lccl/executors/diagnostics.hpp"
#include "lccl/executors/plan.hpp"

namespace lccl::plan {

constexpr size_t kMaxPlanBytes = 64u << 20;  // larger files are refused unread
constexpr int kMaxJsonDepth = 32;            // deeper nesting is refused before parsing
constexpr int kFormatVersion = 1;

// Parses and resolves a plan file: JSON syntax, the schema (fields, types,
// ranges), names and channel ids (to table indices) and chunk ranges. On
// success fills `out` and returns true; otherwise reports every problem found
// (each naming its JSON path) and returns false. Semantic checks (channel
// pairing, signal/wait matching, deadlock, races) are checkPlan()'s job
// (check.hpp). Never throws for any input.
bool parsePlan(std::string_view text, PlanFile& out, Diagnostics& diags);

// Reads a whole file ("-" = standard input). False with `error` set on failure.
bool readTextFile(const std::string& path, std::string& text, std::string& error);

}  // namespace lccl::plan
