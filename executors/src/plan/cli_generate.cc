// lccl-plan generate.
#include <fstream>

#include "cli_internal.hpp"
#include "lccl/errors.hpp"
#include "lccl/executors/check.hpp"
#include "lccl/executors/cli.hpp"
#include "lccl/executors/generate.hpp"

namespace lccl::plan::detail {
namespace {

Protocol protocolOption(const Args& a) {
  std::string p = a.text("--protocol", "simple");
  if (p == "simple") return Protocol::Simple;
  if (p == "LL" || p == "ll") return Protocol::LL;
  throw UsageError("--protocol must be simple or LL");
}

ReduceKind reduceOption(const Args& a) {
  std::string op = a.text("--reduce-op", "sum");
  for (ReduceKind k :
       {ReduceKind::Sum, ReduceKind::Prod, ReduceKind::Max, ReduceKind::Min, ReduceKind::Avg})
    if (op == reduceKindName(k)) return k;
  throw UsageError("--reduce-op must be sum, prod, max, min or avg");
}

// A generated plan that does not check is a bug in the generator: say so.
bool selfCheck(const std::string& name, const std::string& text, std::ostream& err) {
  PlanFile file;
  Diagnostics d;
  if (loadAndCheck(text, file, d)) return true;
  err << "lccl-plan: internal error: generated plan " << name << " does not check:\n" << d.format();
  return false;
}

bool writeFile(const std::string& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (f) return true;
  err << "lccl-plan: cannot write " << path << "\n";
  return false;
}

int generateAll(const std::string& dir, std::ostream& out, std::ostream& err) {
  size_t written = 0;
  for (const GenerateOptions& o : shippedPlans()) {
    std::string text = generatePlan(o), name = generatedName(o);
    if (!selfCheck(name, text, err)) return kExitInvalid;
    if (!writeFile(dir + "/" + name + ".json", text, err)) return kExitUsage;
    ++written;
  }
  out << "wrote " << written << " plans to " << dir << "\n";
  return kExitOk;
}

}  // namespace

int runGenerate(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.has("--all")) {
    if (!a.positional.empty()) throw UsageError("generate --all DIR takes no ALGO");
    return generateAll(a.text("--all", "."), out, err);
  }
  if (a.positional.size() != 1) throw UsageError("generate needs one ALGO (see lccl-plan list)");
  if (!a.has("--ranks")) throw UsageError("generate needs --ranks N");
  GenerateOptions o;
  o.algorithm = a.positional[0];
  o.nranks = static_cast<int>(a.integer("--ranks", kMinGenerateRanks, kMaxGenerateRanks, 0));
  o.protocol = protocolOption(a);
  o.reduce = reduceOption(a);
  o.inplace = a.has("--inplace");
  std::string text;
  try {
    text = generatePlan(o);
  } catch (const InvalidArgumentError& e) {
    throw UsageError(e.what());
  }
  if (!selfCheck(generatedName(o), text, err)) return kExitInvalid;
  if (!a.has("-o")) {
    out << text;
    return kExitOk;
  }
  return writeFile(a.text("-o", ""), text, err) ? kExitOk : kExitUsage;
}

}  // namespace lccl::plan::detail
