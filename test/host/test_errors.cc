// Typed errors: codes, "call [rank R, peer P]: message" formatting, errno text.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "lccl/errors.hpp"

namespace {

using lccl::ErrorCode;
using lccl::ErrorSite;

TEST(Errors, FormatWithoutSite) {
  EXPECT_EQ(lccl::formatError(ErrorSite{}, "boom"), "lccl: boom");
  EXPECT_EQ(lccl::formatError(ErrorSite{"bootstrap.recv"}, "boom"), "bootstrap.recv: boom");
}

TEST(Errors, FormatWithRankAndOrPeer) {
  EXPECT_EQ(lccl::formatError(ErrorSite{"bootstrap.recv", 2, 5}, "m"),
            "bootstrap.recv [rank 2, peer 5]: m");
  EXPECT_EQ(lccl::formatError(ErrorSite{"c", 0, -1}, "m"), "c [rank 0]: m");
  EXPECT_EQ(lccl::formatError(ErrorSite{"c", -1, 0}, "m"), "c [peer 0]: m");
  EXPECT_EQ(lccl::formatError(ErrorSite{"", 1, 2}, "m"), "lccl [rank 1, peer 2]: m");
}

TEST(Errors, EachClassCarriesItsCode) {
  ErrorSite s{"t", 1, 2};
  EXPECT_EQ(lccl::InvalidArgumentError(s, "m").code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(lccl::InvalidUsageError(s, "m").code(), ErrorCode::InvalidUsage);
  EXPECT_EQ(lccl::SocketError(s, "m").code(), ErrorCode::Socket);
  EXPECT_EQ(lccl::TimeoutError(s, "m").code(), ErrorCode::Timeout);
  EXPECT_EQ(lccl::RemoteError(s, "m").code(), ErrorCode::Remote);
  EXPECT_EQ(lccl::InternalError("m").code(), ErrorCode::Internal);
  EXPECT_EQ(lccl::SystemError(s, "open", ENOENT).code(), ErrorCode::System);
}

TEST(Errors, CodeNamesAreDistinct) {
  std::set<std::string> names;
  for (ErrorCode c :
       {ErrorCode::InvalidArgument, ErrorCode::InvalidUsage, ErrorCode::System, ErrorCode::Socket,
        ErrorCode::Cuda, ErrorCode::Timeout, ErrorCode::Remote, ErrorCode::Internal}) {
    std::string n = lccl::errorCodeName(c);
    EXPECT_FALSE(n.empty());
    EXPECT_TRUE(names.insert(n).second) << n;
  }
  EXPECT_EQ(std::string(lccl::errorCodeName(ErrorCode::Timeout)), "timeout");
}

TEST(Errors, SiteAndMessageArePreserved) {
  try {
    throw lccl::TimeoutError(ErrorSite{"bootstrap.recv", 3, 1}, "waited too long");
  } catch (const lccl::Error& e) {
    EXPECT_EQ(e.site().call, "bootstrap.recv");
    EXPECT_EQ(e.site().rank, 3);
    EXPECT_EQ(e.site().peer, 1);
    EXPECT_STREQ(e.what(), "bootstrap.recv [rank 3, peer 1]: waited too long");
  }
  lccl::RemoteError plain("gone");
  EXPECT_EQ(plain.site().rank, -1);
  EXPECT_STREQ(plain.what(), "lccl: gone");
}

TEST(Errors, SystemErrorAppendsErrnoText) {
  lccl::SystemError e(ErrorSite{"open", 0}, "open /nope", ENOENT);
  EXPECT_EQ(e.err(), ENOENT);
  std::string w = e.what();
  EXPECT_NE(w.find("open [rank 0]: open /nope"), std::string::npos) << w;
  EXPECT_NE(w.find("errno " + std::to_string(ENOENT)), std::string::npos) << w;
  EXPECT_NE(w.find(std::strerror(ENOENT)), std::string::npos) << w;
}

TEST(Errors, AllAreCatchableAsRuntimeError) {
  auto check = [](auto&& thrower) {
    try {
      thrower();
      return false;
    } catch (const std::runtime_error&) {
      return true;
    }
  };
  EXPECT_TRUE(check([] { throw lccl::SocketError("s"); }));
  EXPECT_TRUE(check([] { throw lccl::SystemError(ErrorSite{}, "x", EPERM); }));
  EXPECT_TRUE(check([] { throw lccl::InvalidUsageError("u"); }));
}

}  // namespace
