// lccl-plan: argument parsing, dispatch, check, show, list.
#include "lccl/executors/cli.hpp"

#include <exception>

#include "cli_internal.hpp"
#include "lccl/env.hpp"
#include "lccl/executors/check.hpp"
#include "lccl/executors/generate.hpp"
#include "lccl/executors/plan_json.hpp"
#include "lccl/executors/show.hpp"

namespace lccl::plan {
namespace detail {

int64_t Args::integer(const std::string& name, int64_t min, int64_t max, int64_t fallback) const {
  auto it = options.find(name);
  if (it == options.end()) return fallback;
  int64_t v = 0;
  try {
    v = parseInteger(name, it->second);
  } catch (const std::exception&) {
    throw UsageError(name + " needs an integer, got '" + it->second + "'");
  }
  if (v < min || v > max)
    throw UsageError(name + " must be " + std::to_string(min) + ".." + std::to_string(max));
  return v;
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() ? fallback : it->second;
}

Args parseArgs(const std::vector<std::string>& args, const std::set<std::string>& valued,
               const std::set<std::string>& flags) {
  Args a;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.size() < 2 || s[0] != '-') {
      a.positional.push_back(s);
      continue;
    }
    std::string name = s, value;
    auto eq = s.find('=');
    if (eq != std::string::npos) {
      name = s.substr(0, eq);
      value = s.substr(eq + 1);
    }
    if (flags.count(name) && eq == std::string::npos) {
      a.options[name] = "";
    } else if (valued.count(name)) {
      if (eq == std::string::npos && i + 1 >= args.size())
        throw UsageError(name + " needs a value");
      a.options[name] = eq == std::string::npos ? args[++i] : value;
    } else {
      throw UsageError("unknown option " + name);
    }
  }
  return a;
}

bool loadPlanFile(const std::string& path, PlanFile& file, bool check, std::ostream& err,
                  bool& usage) {
  std::string text, why;
  usage = false;
  if (!readTextFile(path, text, why)) {
    err << "lccl-plan: " << why << "\n";
    usage = true;
    return false;
  }
  Diagnostics d;
  bool ok = check ? loadAndCheck(text, file, d) : parsePlan(text, file, d);
  for (const Diagnostic& x : d.all()) err << path << ": " << formatDiagnostic(x) << "\n";
  if (d.dropped() > 0) err << path << ": (" << d.dropped() << " more findings not shown)\n";
  return ok;
}

}  // namespace detail

namespace {

using detail::Args;
using detail::UsageError;

const char* kUsage =
    "usage: lccl-plan COMMAND ...\n"
    "  check PLAN...                  validate plans (findings name JSON paths)\n"
    "  show PLAN                      print a readable listing\n"
    "  simulate PLAN [--ranks N] [--seed S] [--chunk-elems E] [--runs R]\n"
    "                [--order random|round-robin]\n"
    "                                 run on the CPU with random data, compare outputs\n"
    "  generate ALGO --ranks N [--protocol simple|LL] [--reduce-op OP] [--inplace] [-o FILE]\n"
    "  generate --all DIR             write the shipped plans into DIR\n"
    "  list                           the generator's algorithms\n"
    "PLAN may be - (standard input). Exit: 0 ok, 1 invalid plan or mismatch, 2 usage error.\n"
    "Format: docs/plan-format.md\n";

int runCheck(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.positional.empty()) throw UsageError("check needs at least one PLAN");
  int status = kExitOk;
  for (const std::string& path : a.positional) {
    PlanFile file;
    bool usage = false;
    if (detail::loadPlanFile(path, file, true, err, usage)) {
      size_t ops = 0;
      for (const Variant& v : file.variants)
        for (const RankProgram& prog : v.plan.ranks) ops += prog.ops.size();
      out << path << ": ok (" << file.variants[0].plan.nranks << " ranks, " << ops << " ops"
          << (file.hasVariants ? ", " + std::to_string(file.variants.size()) + " variants" : "")
          << ")\n";
    } else {
      status = std::max(status, usage ? kExitUsage : kExitInvalid);
    }
  }
  return status;
}

int runShow(const Args& a, std::ostream& out, std::ostream& err) {
  if (a.positional.size() != 1) throw UsageError("show needs one PLAN");
  PlanFile file;
  bool usage = false;
  if (!detail::loadPlanFile(a.positional[0], file, false, err, usage))
    return usage ? kExitUsage : kExitInvalid;
  out << showPlanFile(file);
  return kExitOk;
}

int runList(std::ostream& out) {
  for (const AlgorithmInfo& info : algorithms()) {
    std::string name = info.name;
    name.resize(22, ' ');
    out << name << info.description << (info.protocols ? " [simple|LL]" : "")
        << (info.inplace ? " [--inplace]" : "") << "\n";
  }
  return kExitOk;
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) throw UsageError("missing COMMAND");
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (cmd == "check") return runCheck(detail::parseArgs(rest, {}, {}), out, err);
  if (cmd == "show") return runShow(detail::parseArgs(rest, {}, {}), out, err);
  if (cmd == "list") return runList(out);
  if (cmd == "simulate")
    return detail::runSimulate(
        detail::parseArgs(rest, {"--ranks", "--seed", "--chunk-elems", "--runs", "--order"}, {}),
        out, err);
  if (cmd == "generate")
    return detail::runGenerate(
        detail::parseArgs(rest, {"--ranks", "--protocol", "--reduce-op", "-o", "--all"},
                          {"--inplace"}),
        out, err);
  throw UsageError("unknown command '" + cmd + "'");
}

}  // namespace

int runPlanTool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(args, out, err);
  } catch (const UsageError& e) {
    err << "lccl-plan: " << e.what() << "\n" << kUsage;
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "lccl-plan: " << e.what() << "\n";
    return kExitInvalid;
  }
}

}  // namespace lccl::plan
