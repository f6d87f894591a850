// Parser and matcher for LCCL_IB_HCA / NCCL_IB_HCA.
#include "hca_spec.hpp"

#include <cctype>

#include "lccl/errors.hpp"

namespace lccl::detail {
namespace {

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  throw InvalidArgumentError(ErrorSite{"LCCL_IB_HCA"}, "'" + std::string(text) + "': " + why);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int parsePort(std::string_view all, std::string_view p) {
  if (p.empty() || p.size() > 3) bad(all, "port must be a number in 1..255");
  int v = 0;
  for (char c : p) {
    if (!std::isdigit(static_cast<unsigned char>(c))) bad(all, "port must be a number in 1..255");
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 255) bad(all, "port must be a number in 1..255");
  return v;
}

HcaFilter parseItem(std::string_view all, std::string_view item) {
  HcaFilter f;
  const size_t colon = item.find(':');
  std::string_view name = trim(item.substr(0, colon));
  if (name.empty()) bad(all, "empty device name");
  f.name = std::string(name);
  if (colon != std::string_view::npos) f.port = parsePort(all, trim(item.substr(colon + 1)));
  return f;
}

}  // namespace

HcaSpec parseHcaSpec(std::string_view text) {
  HcaSpec spec;
  std::string_view rest = trim(text);
  if (!rest.empty() && rest.front() == '^') {
    spec.exclude = true;
    rest.remove_prefix(1);
  }
  if (!rest.empty() && rest.front() == '=') {
    spec.exact = true;
    rest.remove_prefix(1);
  }
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (!item.empty()) spec.filters.push_back(parseItem(text, item));
  }
  if ((spec.exclude || spec.exact) && spec.filters.empty()) bad(text, "no device after ^ or =");
  return spec;
}

bool hcaSelected(const HcaSpec& spec, const std::string& device, int port) {
  if (spec.filters.empty()) return true;
  bool listed = false;
  for (const HcaFilter& f : spec.filters) {
    const bool nameOk =
        spec.exact ? device == f.name : device.compare(0, f.name.size(), f.name) == 0;
    if (nameOk && (f.port < 0 || f.port == port)) listed = true;
  }
  return listed != spec.exclude;
}

}  // namespace lccl::detail
