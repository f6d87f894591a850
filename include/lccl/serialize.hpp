// lccl/serialize.hpp — bounded binary encoding for messages between ranks.
//
// Writer appends trivially copyable values and length-prefixed strings; Reader
// reads them back and throws InvalidArgumentError ("malformed <what>: ...") on
// any read past the end, oversized string or trailing garbage. Both sides run
// the same binary on the same architecture, so values are copied as-is.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "lccl/errors.hpp"

namespace lccl {

class Writer {
 public:
  template <class T>
  Writer& put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>, "put() takes trivially copyable values");
    return putBytes(&v, sizeof(T));
  }
  Writer& putBytes(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    buf_.insert(buf_.end(), c, c + n);
    return *this;
  }
  Writer& putString(const std::string& s) {
    put<uint32_t>(static_cast<uint32_t>(s.size()));
    return putBytes(s.data(), s.size());
  }
  const std::vector<char>& bytes() const { return buf_; }
  std::vector<char> take() { return std::move(buf_); }

 private:
  std::vector<char> buf_;
};

class Reader {
 public:
  Reader(const void* data, size_t size, const char* what)
      : p_(static_cast<const char*>(data)), n_(size), what_(what) {}
  explicit Reader(const std::vector<char>& v, const char* what) : Reader(v.data(), v.size(), what) {}

  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>, "get() returns trivially copyable values");
    T v;
    getBytes(&v, sizeof(T));
    return v;
  }
  void getBytes(void* out, size_t n) {
    if (n > n_ - off_) fail("needs " + std::to_string(n) + " more bytes, has " +
                            std::to_string(n_ - off_));
    std::memcpy(out, p_ + off_, n);
    off_ += n;
  }
  std::string getString(size_t maxLen = 4096) {
    auto len = get<uint32_t>();
    if (len > maxLen) fail("string of " + std::to_string(len) + " bytes exceeds " +
                           std::to_string(maxLen));
    if (len > n_ - off_) fail("needs " + std::to_string(len) + " more bytes, has " +
                              std::to_string(n_ - off_));  // before allocating `len`
    std::string s(len, '\0');
    getBytes(s.data(), len);
    return s;
  }
  size_t remaining() const { return n_ - off_; }
  void expectEnd() const {
    if (off_ != n_) fail(std::to_string(n_ - off_) + " unexpected trailing bytes");
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgumentError(ErrorSite{"deserialize"}, std::string("malformed ") + what_ + ": " + why);
  }

 private:
  const char* p_;
  size_t n_;
  size_t off_ = 0;
  const char* what_;
};

}  // namespace lccl
