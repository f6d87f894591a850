// libnccl.so.2 as a binary: loads without a GPU, is named like NCCL, exports
// every function of NVIDIA's nccl.h (plus what PyTorch imports) and nothing
// else, in the PMPI style; version and error strings.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "test_nccl_lib.hpp"

namespace {

using lccl_test::run;

// The functions a C header declares: comments, string literals and
// preprocessor lines dropped, then every nccl*/pnccl* identifier before '('.
std::set<std::string> declaredFunctions(const std::string& text) {
  // Blank out comments and string literals (a hand-written scan: std::regex
  // recurses per character on long comments).
  std::string code;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "/*") == 0) {
      size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 2;
      code += ' ';
    } else if (text.compare(i, 2, "//") == 0) {
      i = text.find('\n', i);
      if (i == std::string::npos) i = text.size();
    } else if (text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      ++i;
      code += "\"\"";
    } else {
      code += text[i++];
    }
  }
  // Drop preprocessor lines, continuations included.
  std::istringstream in(code);
  std::string line, decls;
  bool continued = false;
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(" \t");
    bool directive = continued || (first != std::string::npos && line[first] == '#');
    continued = directive && !line.empty() && line.back() == '\\';
    if (!directive) decls += line + "\n";
  }
  std::set<std::string> names;
  std::regex fn(R"(\b(p?nccl[A-Za-z0-9_]*)\s*\()");
  for (auto it = std::sregex_iterator(decls.begin(), decls.end(), fn); it != std::sregex_iterator();
       ++it)
    names.insert((*it)[1]);
  return names;
}

std::string readFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// From the installed reference header when present, else the checked-in list.
// The derived list is written next to the test's temporary files.
std::set<std::string> requiredFunctions(std::string* source) {
  std::set<std::string> names;
  std::ifstream header(LCCL_NCCL_REFERENCE_HEADER);
  if (header) {
    *source = LCCL_NCCL_REFERENCE_HEADER;
    names = declaredFunctions(readFile(LCCL_NCCL_REFERENCE_HEADER));
  } else {
    *source = LCCL_NCCL_SOURCE_DIR "/test/nccl/reference_symbols.txt";
    std::ifstream list(*source);
    for (std::string l; std::getline(list, l);)
      if (!l.empty() && l[0] != '#') names.insert(l);
  }
  std::ofstream out(::testing::TempDir() + "nccl_required_symbols.txt");
  for (const auto& n : names) out << n << "\n";
  return names;
}

std::set<std::string> exported(char kind = 0) {
  std::set<std::string> names;
  std::istringstream in(run("nm -D --defined-only " LCCL_NCCL_SO));
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string addr, type, name;
    if (!(f >> addr >> type >> name)) continue;
    if (kind == 0 || type[0] == kind) names.insert(name);
  }
  return names;
}

// What PyTorch 2.11 imports beyond nccl.h, and RCCL's spelling of all-to-all.
const char* kExtra[] = {"ncclDevCommCreate", "ncclDevCommDestroy", "ncclAllToAll",
                        "ncclAlltoAll"};

TEST(NcclLibrary, LoadsOnAHostWithoutGpu) {
  ASSERT_NE(lccl_test::ncclLib(), nullptr) << dlerror();
}

TEST(NcclLibrary, SonameIsLibncclSo2) {
  std::string dyn = run("readelf -d " LCCL_NCCL_SO);
  EXPECT_NE(dyn.find("Library soname: [libnccl.so.2]"), std::string::npos) << dyn;
}

TEST(NcclLibrary, NeedsNeitherCudaNorNccl) {
  std::string dyn = run("readelf -d " LCCL_NCCL_SO " | grep NEEDED");
  ASSERT_FALSE(dyn.empty());
  for (const char* lib : {"libcuda", "libcudart", "libnccl", "libnvidia"})
    EXPECT_EQ(dyn.find(lib), std::string::npos) << lib << " in\n" << dyn;
}

TEST(NcclExports, CoverEveryFunctionOfTheReferenceHeader) {
  std::string source;
  auto required = requiredFunctions(&source);
  ASSERT_GT(required.size(), 70u) << "too few functions parsed from " << source;
  auto have = exported();
  for (const auto& name : required) EXPECT_TRUE(have.count(name)) << name << " (from " << source << ")";
}

TEST(NcclExports, IncludeProfilingNamesTorchImportsAndBothAllToAllSpellings) {
  auto have = exported();
  for (const char* name : kExtra) {
    EXPECT_TRUE(have.count(name)) << name;
    EXPECT_TRUE(have.count(std::string("p") + name)) << "p" << name;
  }
  for (const auto& name : have) {
    if (name.rfind("nccl", 0) == 0) {
      EXPECT_TRUE(have.count("p" + name)) << "p" << name;
    }
  }
}

// Whatever a binary linked against NVIDIA's library imports exists here too.
TEST(NcclExports, CoverEverythingTheReferenceLibraryExports) {
  std::string header = LCCL_NCCL_REFERENCE_HEADER;
  std::string lib = header.substr(0, header.rfind("/include/")) + "/lib64/libnccl.so.2";
  std::ifstream probe(lib);
  if (!probe) GTEST_SKIP() << lib << " is not installed";
  auto have = exported();
  std::istringstream in(run("nm -D --defined-only " + lib));
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string addr, type, name;
    if (!(f >> addr >> type >> name) || (type != "T" && type != "W")) continue;
    ++n;
    EXPECT_TRUE(have.count(name)) << name << " (exported by " << lib << ")";
  }
  EXPECT_GT(n, 50);
}

TEST(NcclExports, NothingButNcclNames) {
  auto have = exported();
  ASSERT_FALSE(have.empty());
  for (const auto& name : have)
    EXPECT_TRUE(name.rfind("nccl", 0) == 0 || name.rfind("pnccl", 0) == 0) << name;
}

TEST(NcclExports, NcclNamesAreWeakAndProfilingNamesStrong) {
  auto weak = exported('W');
  auto text = exported('T');
  for (const auto& name : exported()) {
    if (name.rfind("nccl", 0) == 0) {
      EXPECT_TRUE(weak.count(name)) << name << " should be weak";
    } else {
      EXPECT_TRUE(text.count(name)) << name << " should be strong";
    }
  }
}

TEST(NcclExports, WeakNameIsTheProfilingEntryPoint) {
  for (const char* name : {"ncclAllReduce", "ncclGetVersion", "ncclGroupEnd", "ncclAllToAll"}) {
    void* weak = dlsym(lccl_test::ncclLib(), name);
    void* strong = dlsym(lccl_test::ncclLib(), (std::string("p") + name).c_str());
    EXPECT_NE(weak, nullptr) << name;
    EXPECT_EQ(weak, strong) << name;
  }
}

TEST(NcclVersion, Reports22809) {
  int v = 0;
  ASSERT_EQ(NCCL(ncclGetVersion)(&v), ncclSuccess);
  EXPECT_EQ(v, 22809);
  EXPECT_EQ(v, NCCL_VERSION(2, 28, 9));
  EXPECT_EQ(NCCL(pncclGetVersion)(&v), ncclSuccess);
}

TEST(NcclVersion, NullPointerIsInvalidArgument) {
  EXPECT_EQ(NCCL(ncclGetVersion)(nullptr), ncclInvalidArgument);
  EXPECT_NE(NCCL_LAST_ERROR().find("version is NULL"), std::string::npos);
}

TEST(NcclErrors, StringsReadLikeNccls) {
  auto str = NCCL(ncclGetErrorString);
  EXPECT_STREQ(str(ncclSuccess), "no error");
  EXPECT_STREQ(str(ncclUnhandledCudaError),
               "unhandled cuda error (run with NCCL_DEBUG=INFO for details)");
  EXPECT_STREQ(str(ncclSystemError), "unhandled system error (run with NCCL_DEBUG=INFO for details)");
  EXPECT_EQ(std::string(str(ncclInternalError)).rfind("internal error - please report", 0), 0u);
  EXPECT_STREQ(str(ncclInvalidArgument), "invalid argument (run with NCCL_DEBUG=WARN for details)");
  EXPECT_STREQ(str(ncclInvalidUsage), "invalid usage (run with NCCL_DEBUG=WARN for details)");
  EXPECT_STREQ(str(ncclRemoteError), "remote process exited or there was a network error");
  EXPECT_STREQ(str(ncclInProgress), "NCCL operation in progress");
  EXPECT_STREQ(str(ncclNumResults), "unknown result code");
  EXPECT_STREQ(str(static_cast<ncclResult_t>(-1)), "unknown result code");
}

}  // namespace
