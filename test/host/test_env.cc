// Env registry, lookup order (LCCL_* > alias > default) and the value parsers.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "lccl/env.hpp"
#include "lccl/errors.hpp"

namespace {

using lccl::Env;
using lccl::EnvSource;

// An Env reading from a fixed map instead of the process environment.
Env envFrom(const std::map<std::string, std::string>& vars) {
  return Env([vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

// Expects `fn` to throw InvalidArgumentError whose message names `name`.
template <class F>
void expectNamed(F fn, const std::string& name) {
  try {
    fn();
    FAIL() << "no exception for " << name;
  } catch (const lccl::InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), lccl::ErrorCode::InvalidArgument);
  }
}

TEST(Env, RegistryNamesAreUniqueAndPrefixed) {
  std::set<std::string> names;
  for (const auto& v : Env::registry()) {
    std::string name = v.name;
    EXPECT_EQ(name.rfind("LCCL_", 0), 0u) << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    ASSERT_NE(v.meaning, nullptr);
    EXPECT_GT(std::string(v.meaning).size(), 10u) << name;
    ASSERT_NE(v.defaultValue, nullptr) << name;
    if (v.alias) {
      EXPECT_NE(std::string(v.alias), name);
    }
  }
  std::set<std::string> aliases;
  for (const auto& v : Env::registry())
    if (v.alias) {
      EXPECT_TRUE(aliases.insert(v.alias).second) << "alias used twice: " << v.alias;
    }
}

TEST(Env, RegistryListsEveryVariableTheBaseLayerReads) {
  const std::map<std::string, const char*> expectedAlias = {
      {"LCCL_DEBUG", "NCCL_DEBUG"},
      {"LCCL_DEBUG_FILE", "NCCL_DEBUG_FILE"},
      {"LCCL_BOOTSTRAP_TIMEOUT_MS", nullptr},
      {"LCCL_SOCKET_IFNAME", "NCCL_SOCKET_IFNAME"},
      {"LCCL_ROOT_ADDR", nullptr},
      {"LCCL_RANK", "RANK"},
      {"LCCL_WORLD_SIZE", "WORLD_SIZE"},
      {"LCCL_BOOTSTRAP_SECRET", nullptr},
  };
  for (const auto& [name, alias] : expectedAlias) {
    Env env = envFrom({});
    const auto& e = env.entry(name);
    EXPECT_STREQ(e.var->name, name.c_str());
    if (alias) {
      EXPECT_STREQ(e.var->alias, alias) << name;
    } else {
      EXPECT_EQ(e.var->alias, nullptr) << name;
    }
  }
  EXPECT_EQ(envFrom({}).entries().size(), Env::registry().size());
}

TEST(Env, DefaultsWhenNothingIsSet) {
  Env env = envFrom({});
  for (const auto& e : env.entries()) {
    EXPECT_EQ(e.source, EnvSource::Default) << e.var->name;
    EXPECT_EQ(e.value, e.var->defaultValue) << e.var->name;
  }
  EXPECT_EQ(env.str("LCCL_DEBUG"), "WARN");
  EXPECT_EQ(env.integer("LCCL_BOOTSTRAP_TIMEOUT_MS"), 30000);
  EXPECT_EQ(env.str("LCCL_ROOT_ADDR"), "");
  EXPECT_FALSE(env.flag("LCCL_P2P_DISABLE"));
}

TEST(Env, LcclVariableBeatsItsAlias) {
  Env env =
      envFrom({{"LCCL_DEBUG", "INFO"}, {"NCCL_DEBUG", "TRACE"}, {"LCCL_RANK", "3"}, {"RANK", "5"}});
  EXPECT_EQ(env.str("LCCL_DEBUG"), "INFO");
  EXPECT_EQ(env.entry("LCCL_DEBUG").source, EnvSource::Lccl);
  EXPECT_EQ(env.integer("LCCL_RANK"), 3);
}

TEST(Env, AliasIsUsedWhenLcclIsUnset) {
  Env env =
      envFrom({{"NCCL_SOCKET_IFNAME", "eth"}, {"WORLD_SIZE", "16"}, {"NCCL_P2P_DISABLE", "1"}});
  EXPECT_EQ(env.str("LCCL_SOCKET_IFNAME"), "eth");
  EXPECT_EQ(env.entry("LCCL_SOCKET_IFNAME").source, EnvSource::Alias);
  EXPECT_EQ(env.integer("LCCL_WORLD_SIZE"), 16);
  EXPECT_TRUE(env.flag("LCCL_P2P_DISABLE"));
  EXPECT_EQ(env.entry("LCCL_ROOT_ADDR").source, EnvSource::Default);
}

TEST(Env, EmptyLcclValueStillCountsAsSet) {
  Env env = envFrom({{"LCCL_DEBUG", ""}, {"NCCL_DEBUG", "INFO"}});
  EXPECT_EQ(env.str("LCCL_DEBUG"), "");
  EXPECT_EQ(env.entry("LCCL_DEBUG").source, EnvSource::Lccl);
}

TEST(Env, UnknownVariableThrows) {
  Env env = envFrom({{"LCCL_NOT_A_THING", "1"}});
  expectNamed([&] { env.str("LCCL_NOT_A_THING"); }, "LCCL_NOT_A_THING");
  expectNamed([&] { env.integer("NCCL_DEBUG"); }, "NCCL_DEBUG");  // aliases are not names
}

TEST(Env, TypedAccessorErrorsNameTheVariable) {
  Env env = envFrom({{"LCCL_BOOTSTRAP_TIMEOUT_MS", "soon"}, {"LCCL_P2P_DISABLE", "maybe"}});
  expectNamed([&] { env.integer("LCCL_BOOTSTRAP_TIMEOUT_MS"); }, "LCCL_BOOTSTRAP_TIMEOUT_MS");
  expectNamed([&] { env.flag("LCCL_P2P_DISABLE"); }, "LCCL_P2P_DISABLE");
  expectNamed([&] { env.size("LCCL_P2P_DISABLE"); }, "LCCL_P2P_DISABLE");
}

TEST(Env, SourceNames) {
  EXPECT_STREQ(lccl::envSourceName(EnvSource::Default), "default");
  EXPECT_STREQ(lccl::envSourceName(EnvSource::Lccl), "set");
  EXPECT_STREQ(lccl::envSourceName(EnvSource::Alias), "alias");
}

TEST(EnvParse, IntegerAcceptsDecimalNegativeAndHex) {
  EXPECT_EQ(lccl::parseInteger("X", "0"), 0);
  EXPECT_EQ(lccl::parseInteger("X", "42"), 42);
  EXPECT_EQ(lccl::parseInteger("X", "-17"), -17);
  EXPECT_EQ(lccl::parseInteger("X", "0x10"), 16);
  EXPECT_EQ(lccl::parseInteger("X", "9223372036854775807"), INT64_MAX);
}

TEST(EnvParse, IntegerRejectsGarbageAndNamesIt) {
  for (const char* bad : {"", "abc", "12abc", "1.5", " ", "99999999999999999999"})
    expectNamed([&] { lccl::parseInteger("LCCL_SOME_INT", bad); }, "LCCL_SOME_INT");
}

TEST(EnvParse, BoolAcceptsTheUsualSpellings) {
  for (const char* t : {"1", "true", "TRUE", "yes", "On"})
    EXPECT_TRUE(lccl::parseBool("B", t)) << t;
  for (const char* f : {"0", "false", "No", "off", ""}) EXPECT_FALSE(lccl::parseBool("B", f)) << f;
  for (const char* bad : {"2", "enable", "tru", "-1"})
    expectNamed([&] { lccl::parseBool("LCCL_SOME_FLAG", bad); }, "LCCL_SOME_FLAG");
}

TEST(EnvParse, SizeAcceptsBinarySuffixes) {
  EXPECT_EQ(lccl::parseSize("S", "4096"), 4096u);
  EXPECT_EQ(lccl::parseSize("S", "64K"), 64u << 10);
  EXPECT_EQ(lccl::parseSize("S", "64k"), 64u << 10);
  EXPECT_EQ(lccl::parseSize("S", "1M"), 1u << 20);
  EXPECT_EQ(lccl::parseSize("S", "2GiB"), 2ull << 30);
  EXPECT_EQ(lccl::parseSize("S", "3T"), 3ull << 40);
  EXPECT_EQ(lccl::parseSize("S", "7B"), 7u);
}

TEST(EnvParse, SizeRejectsGarbageAndNamesIt) {
  for (const char* bad :
       {"", "-1", " -1", "+5", "1X", "K", "1.5M", "20000000000T", "99999999999999999999"})
    expectNamed([&] { lccl::parseSize("LCCL_SOME_SIZE", bad); }, "LCCL_SOME_SIZE");
}

}  // namespace
