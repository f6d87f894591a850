#include "lccl/errors.hpp"

#include <cstring>

#include "lccl/gpu.hpp"

namespace lccl {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::InvalidUsage: return "invalid usage";
    case ErrorCode::System: return "system error";
    case ErrorCode::Socket: return "socket error";
    case ErrorCode::Cuda: return "CUDA error";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Remote: return "remote error";
    case ErrorCode::Internal: return "internal error";
  }
  return "unknown error";
}

std::string formatError(const ErrorSite& site, const std::string& message) {
  std::string out = site.call.empty() ? std::string("lccl") : site.call;
  if (site.rank >= 0 || site.peer >= 0) {
    out += " [";
    if (site.rank >= 0) out += "rank " + std::to_string(site.rank);
    if (site.rank >= 0 && site.peer >= 0) out += ", ";
    if (site.peer >= 0) out += "peer " + std::to_string(site.peer);
    out += "]";
  }
  return out + ": " + message;
}

SystemError::SystemError(const ErrorSite& site, const std::string& message, int err)
    : Error(ErrorCode::System, site,
            message + " (errno " + std::to_string(err) + ": " + std::strerror(err) + ")"),
      err_(err) {}

static std::string cudaText(int status) {
  auto e = static_cast<gpuError_t>(status);
  return std::string(gpuGetErrorName(e)) + ": " + gpuGetErrorString(e);
}

CudaError::CudaError(const ErrorSite& site, const std::string& message, int cudaStatus)
    : Error(ErrorCode::Cuda, site, message + " failed (" + cudaText(cudaStatus) + ")"),
      status_(cudaStatus) {}

}  // namespace lccl
