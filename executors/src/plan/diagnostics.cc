#include "lccl/executors/diagnostics.hpp"

#include <utility>

namespace lccl::plan {

void Diagnostics::add(Severity s, std::string path, std::string message) {
  if (s == Severity::Error) ++errors_;
  if (items_.size() >= kMaxStored) {
    ++dropped_;
    return;
  }
  items_.push_back(Diagnostic{s, std::move(path), std::move(message)});
}

void Diagnostics::error(std::string path, std::string message) {
  add(Severity::Error, std::move(path), std::move(message));
}

void Diagnostics::warning(std::string path, std::string message) {
  add(Severity::Warning, std::move(path), std::move(message));
}

void Diagnostics::merge(const Diagnostics& other) {
  size_t stored = 0;
  for (const auto& d : other.items_) {
    add(d.severity, d.path, d.message);
    stored += d.severity == Severity::Error;
  }
  errors_ += other.errors_ - stored;  // errors `other` counted but did not keep
  dropped_ += other.dropped_;
}

std::string formatDiagnostic(const Diagnostic& d) {
  std::string out = d.severity == Severity::Error ? "error: " : "warning: ";
  if (!d.path.empty()) out += d.path + ": ";
  return out + d.message;
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items_) out += formatDiagnostic(d) + "\n";
  if (dropped_ > 0) out += "(" + std::to_string(dropped_) + " more findings not shown)\n";
  return out;
}

}  // namespace lccl::plan
