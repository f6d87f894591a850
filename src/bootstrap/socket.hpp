// src/bootstrap/socket.hpp — private TCP helpers of the bootstrap.
//
// Every socket made here is non-blocking and close-on-exec; every wait is a
// poll() bounded by a deadline; every send uses MSG_NOSIGNAL; EINTR is retried.
// Nothing in this header is installed or part of lccl's public API (tests
// include it to speak the wire protocol).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "lccl/errors.hpp"

namespace lccl::boot {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// Milliseconds left until `d`, rounded up, never negative.
int remainingMs(Deadline d);
// now + `timeout`, saturating instead of overflowing for huge timeouts.
Deadline deadlineAfter(std::chrono::milliseconds timeout);

// Owns a file descriptor. reset() shuts a socket down before closing it, so the
// peer sees EOF even if a forked child still holds a copy of the descriptor;
// in such a child (a process other than the one that made the Fd) it only
// closes, leaving the parent's connections alone.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd), owner_(fd >= 0 ? ::getpid() : 0) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_), owner_(o.owner_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      owner_ = o.owner_;
      o.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
  pid_t owner_ = 0;
};

// An IPv4 or IPv6 socket address.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;

  int family() const { return ss.ss_family; }
  uint16_t port() const;
  void setPort(uint16_t port);
  bool isLoopback() const;
  std::string str() const;  // "1.2.3.4:5" or "[::1]:5"
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&ss); }
  static SockAddr anyOf(int family, uint16_t port);  // wildcard address
};

// A SockAddr as it travels between ranks and inside the UniqueId (24 bytes).
struct WireAddr {
  uint16_t family;  // 4 or 6 (not AF_*: those values are not portable)
  uint16_t port;
  uint32_t scopeId;
  uint8_t addr[16];
};
static_assert(sizeof(WireAddr) == 24, "WireAddr layout");
WireAddr toWire(const SockAddr& a);
// Throws SocketError on an unknown family (the bytes came from the network).
SockAddr fromWire(const WireAddr& w);

// Resolves "host:port" or "[v6]:port" (IPv4 preferred). InvalidArgumentError
// when it does not parse or resolve.
SockAddr resolveHostPort(const std::string& hostPort);
// The address to advertise on this host: the first interface whose name starts
// with `ifnamePrefix` (when non-empty; InvalidArgumentError if none matches),
// else the first non-loopback IPv4 interface that is up, else 127.0.0.1.
SockAddr interfaceAddress(const std::string& ifnamePrefix);

// A listening socket bound to `addr` (port 0: any free port), SO_REUSEADDR.
Fd listenOn(const SockAddr& addr, const ErrorSite& site);
// The local address of a socket (getsockname).
SockAddr localAddress(int fd);
// Accepts one pending connection; an invalid Fd when none is pending.
Fd acceptOne(int listenFd);

// Connects to `addr`, retrying with backoff while the connection is refused
// or unreachable (the listener may not exist yet) until `deadline`, then
// TimeoutError. With retry=false a refused connection throws RemoteError.
Fd connectTo(const SockAddr& addr, Deadline deadline, const ErrorSite& site, bool retry);

// Outcome of one non-blocking transfer.
enum class Io { Done, WouldBlock, Closed };
// Reads up to `n` bytes; `got` receives the count. Closed on EOF or reset;
// other errors throw SystemError.
Io readSome(int fd, void* buf, size_t n, size_t& got, const ErrorSite& site);
// Writes from two buffers (header, payload) starting at `offset` of their
// concatenation; `sent` receives the count. Closed when the peer is gone.
Io writeSome(int fd, const void* a, size_t na, const void* b, size_t nb, size_t offset,
             size_t& sent, const ErrorSite& site);

// poll() with EINTR retried until `deadline`; returns the number of ready fds,
// 0 only once the deadline has passed.
int pollUntil(pollfd* fds, size_t n, Deadline deadline);

// Blocking helpers for short exchanges outside the progress engine: write all
// bytes, or throw TimeoutError / RemoteError (peer gone) naming `site`.
void writeAll(int fd, const void* a, size_t na, const void* b, size_t nb, Deadline deadline,
              const ErrorSite& site);

}  // namespace lccl::boot
