// lccl/logging.hpp — leveled logging.
//
// The level comes from LCCL_DEBUG (or NCCL_DEBUG when LCCL_DEBUG is unset):
// NONE, VERSION, WARN (default), INFO, TRACE. Each line reads
//   host:pid:tid [rank R] LCCL INFO message
// where R is the rank set for the calling thread (setLogRank), or '-'.
#pragma once

#include <string>

namespace lccl {

enum class LogLevel { None = 0, Version = 1, Warn = 2, Info = 3, Trace = 4 };

LogLevel parseLogLevel(const std::string& text);  // unknown text -> Warn
LogLevel logLevel();                               // effective level, read once
void setLogRank(int rank);                         // per thread; -1 clears
void logWrite(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Formats a line as it would be written (used by logWrite and tests).
std::string logFormat(LogLevel level, int rank, const std::string& message);

}  // namespace lccl

#define LCCL_LOG(lvl, ...)                                           \
  do {                                                               \
    if (static_cast<int>(::lccl::logLevel()) >= static_cast<int>(lvl)) \
      ::lccl::logWrite(lvl, __VA_ARGS__);                            \
  } while (0)
#define LCCL_WARN(...) LCCL_LOG(::lccl::LogLevel::Warn, __VA_ARGS__)
#define LCCL_INFO(...) LCCL_LOG(::lccl::LogLevel::Info, __VA_ARGS__)
#define LCCL_TRACE(...) LCCL_LOG(::lccl::LogLevel::Trace, __VA_ARGS__)
