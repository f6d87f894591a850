// lccl/executors/diagnostics.hpp — what the plan loader and checker report.
//
// Every finding names the JSON path it is about, e.g.
//   ranks[2].threadblocks[0].ops[5].dst.channel: no channel 3 on rank 2
// Errors make a plan invalid; warnings do not.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lccl::plan {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string path;  // JSON path ("" for the document as a whole)
  std::string message;
};

class Diagnostics {
 public:
  void error(std::string path, std::string message);
  void warning(std::string path, std::string message);
  void merge(const Diagnostics& other);  // appends other's findings (and counts)

  bool hasErrors() const { return errors_ > 0; }
  size_t errorCount() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return items_; }
  // True once so many errors are stored that further ones are only counted.
  bool full() const { return items_.size() >= kMaxStored; }
  size_t dropped() const { return dropped_; }
  // Every finding, one per line: "error: path: message".
  std::string format() const;

  static constexpr size_t kMaxStored = 50;

 private:
  void add(Severity s, std::string path, std::string message);
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
  size_t dropped_ = 0;
};

std::string formatDiagnostic(const Diagnostic& d);

}  // namespace lccl::plan
