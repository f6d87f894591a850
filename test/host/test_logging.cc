// Log levels and the line format "host:pid:tid [rank] LCCL LEVEL message".
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "lccl/logging.hpp"

namespace {

using lccl::LogLevel;

std::string hostName() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::string idPrefix() {
  return hostName() + ":" + std::to_string(getpid()) + ":" + std::to_string(syscall(SYS_gettid)) +
         " ";
}

TEST(Logging, ParseLogLevelKnownNamesAnyCase) {
  EXPECT_EQ(lccl::parseLogLevel("NONE"), LogLevel::None);
  EXPECT_EQ(lccl::parseLogLevel("version"), LogLevel::Version);
  EXPECT_EQ(lccl::parseLogLevel("Warn"), LogLevel::Warn);
  EXPECT_EQ(lccl::parseLogLevel("info"), LogLevel::Info);
  EXPECT_EQ(lccl::parseLogLevel("TRACE"), LogLevel::Trace);
}

TEST(Logging, ParseLogLevelUnknownFallsBackToWarn) {
  EXPECT_EQ(lccl::parseLogLevel(""), LogLevel::Warn);
  EXPECT_EQ(lccl::parseLogLevel("verbose"), LogLevel::Warn);
  EXPECT_EQ(lccl::parseLogLevel("INFO "), LogLevel::Warn);
}

TEST(Logging, FormatHasHostPidTidRankLevelAndMessage) {
  std::string line = lccl::logFormat(LogLevel::Info, 3, "hello world");
  EXPECT_EQ(line, idPrefix() + "[3] LCCL INFO hello world\n");
}

TEST(Logging, FormatWithoutRankShowsDash) {
  std::string line = lccl::logFormat(LogLevel::Warn, -1, "x");
  EXPECT_EQ(line, idPrefix() + "[-] LCCL WARN x\n");
  EXPECT_NE(lccl::logFormat(LogLevel::Trace, 0, "").find("[0] LCCL TRACE "), std::string::npos);
}

TEST(Logging, FormatNamesTheCallingThread) {
  std::string mine = lccl::logFormat(LogLevel::Warn, 1, "m");
  std::string other;
  std::thread([&] { other = lccl::logFormat(LogLevel::Warn, 1, "m"); }).join();
  EXPECT_NE(mine, other);  // same host and pid, different tid
  std::string prefix = hostName() + ":" + std::to_string(getpid()) + ":";
  EXPECT_EQ(other.rfind(prefix, 0), 0u);
}

TEST(Logging, WarnLinesCarryTheThreadRank) {
  if (lccl::logLevel() < LogLevel::Warn || std::getenv("LCCL_DEBUG_FILE") ||
      std::getenv("NCCL_DEBUG_FILE"))
    GTEST_SKIP() << "warnings are not written to stderr in this environment";
  testing::internal::CaptureStderr();
  lccl::setLogRank(5);
  LCCL_WARN("value %d of %s", 7, "test");
  lccl::setLogRank(-1);
  LCCL_WARN("no rank");
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("[5] LCCL WARN value 7 of test\n"), std::string::npos) << out;
  EXPECT_NE(out.find("[-] LCCL WARN no rank\n"), std::string::npos) << out;
}

}  // namespace
