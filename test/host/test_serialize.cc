// Writer/Reader: round trips and rejection of malformed input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lccl/serialize.hpp"

namespace {

using lccl::Reader;
using lccl::Writer;

struct Record {
  int32_t a;
  double b;
  uint8_t c[6];
};

std::string randomString(std::mt19937& rng, size_t maxLen) {
  std::string s(std::uniform_int_distribution<size_t>(0, maxLen)(rng), '\0');
  for (auto& ch : s) ch = static_cast<char>(rng());  // binary, NULs included
  return s;
}

// Expects InvalidArgumentError "malformed <what>: ..." containing `detail`.
template <class F>
void expectMalformed(F fn, const std::string& what, const std::string& detail) {
  try {
    fn();
    FAIL() << "accepted malformed input";
  } catch (const lccl::InvalidArgumentError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("malformed " + what), std::string::npos) << m;
    EXPECT_NE(m.find(detail), std::string::npos) << m;
  }
}

TEST(Serialize, RoundTripOfRandomValues) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint64_t> u64;
    std::vector<int16_t> i16;
    std::vector<double> f64;
    Writer w;
    for (int i = 0; i < 20; ++i) {
      u64.push_back((uint64_t(rng()) << 32) | rng());
      i16.push_back(static_cast<int16_t>(rng()));
      f64.push_back(std::uniform_real_distribution<double>(-1e9, 1e9)(rng));
      w.put(u64.back()).put(i16.back()).put(f64.back());
    }
    std::vector<char> bytes = w.take();
    EXPECT_EQ(bytes.size(), 20u * (8 + 2 + 8));
    Reader r(bytes, "values");
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(r.get<uint64_t>(), u64[i]);
      EXPECT_EQ(r.get<int16_t>(), i16[i]);
      EXPECT_EQ(r.get<double>(), f64[i]);
    }
    EXPECT_EQ(r.remaining(), 0u);
    r.expectEnd();
  }
}

TEST(Serialize, RoundTripOfRandomStringsAndStructs) {
  std::mt19937 rng(99);
  std::vector<std::string> strs;
  Writer w;
  Record rec{-5, 2.5, {1, 2, 3, 4, 5, 6}};
  for (int i = 0; i < 200; ++i) {
    strs.push_back(randomString(rng, 300));
    w.putString(strs.back()).put(rec);
  }
  Reader r(w.bytes(), "strings");
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(r.getString(), strs[i]);
    Record back = r.get<Record>();
    EXPECT_EQ(back.a, -5);
    EXPECT_EQ(back.b, 2.5);
    EXPECT_EQ(back.c[5], 6);
  }
  r.expectEnd();
}

TEST(Serialize, EveryTruncationIsRejected) {
  Writer w;
  w.put<uint32_t>(7).putString("abcdef").put<uint64_t>(9);
  const std::vector<char> full = w.bytes();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    Reader r(full.data(), cut, "truncated message");
    expectMalformed(
        [&] {
          r.get<uint32_t>();
          r.getString();
          r.get<uint64_t>();
        },
        "truncated message", "more bytes");
  }
}

TEST(Serialize, OversizeStringIsRejected) {
  Writer w;
  w.putString(std::string(100, 'x'));
  Reader r(w.bytes(), "handle");
  expectMalformed([&] { r.getString(64); }, "handle", "exceeds 64");
  Reader ok(w.bytes(), "handle");
  EXPECT_EQ(ok.getString(100).size(), 100u);
}

TEST(Serialize, HugeLengthPrefixDoesNotAllocateOrReadPastTheEnd) {
  Writer w;
  w.put<uint32_t>(0xffffffffu).putBytes("abc", 3);
  Reader r(w.bytes(), "lying length");
  expectMalformed([&] { r.getString(SIZE_MAX); }, "lying length", "has 3");
}

TEST(Serialize, TrailingBytesAreRejected) {
  Writer w;
  w.put<int32_t>(1).put<uint8_t>(0);
  Reader r(w.bytes(), "reply");
  EXPECT_EQ(r.get<int32_t>(), 1);
  EXPECT_EQ(r.remaining(), 1u);
  expectMalformed([&] { r.expectEnd(); }, "reply", "1 unexpected trailing bytes");
}

TEST(Serialize, EmptyInputAndTakeSemantics) {
  Reader empty(nullptr, 0, "empty");
  empty.expectEnd();
  expectMalformed([&] { empty.get<uint8_t>(); }, "empty", "needs 1 more bytes, has 0");
  Writer w;
  w.put<uint16_t>(3);
  std::vector<char> taken = w.take();
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_TRUE(w.bytes().empty());
}

}  // namespace
