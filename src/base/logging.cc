#include "lccl/logging.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "lccl/env.hpp"

namespace lccl {
namespace {

thread_local int tlsRank = -1;

struct Sink {
  LogLevel level = LogLevel::Warn;
  FILE* out = stderr;
  std::mutex mu;
};

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

std::string expandLogPath(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      char c = pattern[++i];
      if (c == 'h') out += hostName();
      else if (c == 'p') out += std::to_string(getpid());
      else out += c;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

Sink& sink() {
  static Sink* s = [] {
    auto* sk = new Sink;  // never destroyed: logging may run during exit
    const Env& env = Env::instance();
    sk->level = parseLogLevel(env.str("LCCL_DEBUG"));
    const std::string& file = env.str("LCCL_DEBUG_FILE");
    if (!file.empty()) {
      if (FILE* f = std::fopen(expandLogPath(file).c_str(), "w")) sk->out = f;
    }
    return sk;
  }();
  return *s;
}

void logNonDefaultEnv() {
  for (const auto& e : Env::instance().entries()) {
    if (e.source == EnvSource::Default) continue;
    if (e.source == EnvSource::Alias)
      logWrite(LogLevel::Info, "%s=%s (from %s)", e.var->name, e.value.c_str(), e.var->alias);
    else
      logWrite(LogLevel::Info, "%s=%s", e.var->name, e.value.c_str());
  }
}

}  // namespace

LogLevel parseLogLevel(const std::string& text) {
  std::string s;
  for (char c : text) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s == "NONE") return LogLevel::None;
  if (s == "VERSION") return LogLevel::Version;
  if (s == "INFO") return LogLevel::Info;
  if (s == "TRACE") return LogLevel::Trace;
  return LogLevel::Warn;
}

LogLevel logLevel() {
  static const LogLevel level = sink().level;
  static std::once_flag announced;
  std::call_once(announced, [] {
    if (level >= LogLevel::Info) logNonDefaultEnv();
  });
  return level;
}

void setLogRank(int rank) { tlsRank = rank; }

std::string logFormat(LogLevel level, int rank, const std::string& message) {
  static const char* names[] = {"NONE", "VERSION", "WARN", "INFO", "TRACE"};
  static const std::string host = hostName();
  char head[512];
  std::snprintf(head, sizeof(head), "%s:%d:%ld [%s] LCCL %s ", host.c_str(),
                static_cast<int>(getpid()), static_cast<long>(syscall(SYS_gettid)),
                rank >= 0 ? std::to_string(rank).c_str() : "-",
                names[static_cast<int>(level)]);
  return head + message + "\n";
}

void logWrite(LogLevel level, const char* fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  Sink& s = sink();
  std::string line = logFormat(level, tlsRank, msg);
  std::lock_guard<std::mutex> lock(s.mu);
  std::fputs(line.c_str(), s.out);
  std::fflush(s.out);
}

}  // namespace lccl
