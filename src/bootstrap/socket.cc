#include "socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace lccl::boot {

int remainingMs(Deadline d) {
  auto left = d - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

Deadline deadlineAfter(std::chrono::milliseconds timeout) {
  const auto now = Clock::now();
  const auto maxLeft = std::chrono::hours(24 * 365 * 100);  // far, and far from overflow
  if (timeout >= maxLeft) return now + maxLeft;
  return now + timeout;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) {
    if (owner_ == ::getpid()) ::shutdown(fd_, SHUT_RDWR);  // fails harmlessly on non-sockets
    ::close(fd_);
  }
  fd_ = fd;
  owner_ = fd >= 0 ? ::getpid() : 0;
}

// ---- addresses ----------------------------------------------------------

uint16_t SockAddr::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

void SockAddr::setPort(uint16_t p) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(p);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(p);
}

bool SockAddr::isLoopback() const {
  if (family() == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr.s_addr) >> 24) == 127;
  if (family() == AF_INET6)
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr);
  return false;
}

std::string SockAddr::str() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(port());
  }
  return "<no address>";
}

SockAddr SockAddr::anyOf(int family, uint16_t port) {
  SockAddr a;
  if (family == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_addr = in6addr_any;
    a.len = sizeof(sockaddr_in6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&a.ss);
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(INADDR_ANY);
    a.len = sizeof(sockaddr_in);
  }
  a.setPort(port);
  return a;
}

WireAddr toWire(const SockAddr& a) {
  WireAddr w{};
  w.port = a.port();
  if (a.family() == AF_INET) {
    w.family = 4;
    std::memcpy(w.addr, &reinterpret_cast<const sockaddr_in*>(&a.ss)->sin_addr, 4);
  } else if (a.family() == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.ss);
    w.family = 6;
    w.scopeId = s6->sin6_scope_id;
    std::memcpy(w.addr, &s6->sin6_addr, 16);
  }
  return w;
}

SockAddr fromWire(const WireAddr& w) {
  SockAddr a;
  if (w.family == 4) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&a.ss);
    s4->sin_family = AF_INET;
    std::memcpy(&s4->sin_addr, w.addr, 4);
    a.len = sizeof(sockaddr_in);
  } else if (w.family == 6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_scope_id = w.scopeId;
    std::memcpy(&s6->sin6_addr, w.addr, 16);
    a.len = sizeof(sockaddr_in6);
  } else {
    throw SocketError(ErrorSite{"bootstrap"},
                      "malformed address: unknown family " + std::to_string(w.family));
  }
  a.setPort(w.port);
  return a;
}

static void splitHostPort(const std::string& hp, std::string& host, std::string& port) {
  auto bad = [&](const char* why) {
    return InvalidArgumentError(ErrorSite{"bootstrap"},
                                "bad address '" + hp + "': " + why + " (expected host:port)");
  };
  size_t colon = hp.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size()) throw bad("no port");
  host = hp.substr(0, colon);
  port = hp.substr(colon + 1);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
      std::stoul(port) > 65535)
    throw bad("port is not a number in 0..65535");
}

SockAddr resolveHostPort(const std::string& hostPort) {
  std::string host, port;
  splitHostPort(hostPort, host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0)
    throw InvalidArgumentError(ErrorSite{"bootstrap"},
                               "cannot resolve '" + hostPort + "': " + gai_strerror(rc));
  const addrinfo* pick = res;
  for (const addrinfo* r = res; r != nullptr; r = r->ai_next)
    if (r->ai_family == AF_INET) {
      pick = r;
      break;
    }
  SockAddr a;
  std::memcpy(&a.ss, pick->ai_addr, pick->ai_addrlen);
  a.len = pick->ai_addrlen;
  freeaddrinfo(res);
  return a;
}

SockAddr interfaceAddress(const std::string& prefix) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) throw SystemError(ErrorSite{"bootstrap"}, "getifaddrs", errno);
  SockAddr found;
  for (int pass = 0; pass < 2 && found.len == 0; ++pass) {  // pass 0: IPv4 only
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr == nullptr || !(i->ifa_flags & IFF_UP)) continue;
      int fam = i->ifa_addr->sa_family;
      if (fam != AF_INET && (pass == 0 || fam != AF_INET6)) continue;
      SockAddr a;
      a.len = fam == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
      std::memcpy(&a.ss, i->ifa_addr, a.len);
      bool match = prefix.empty() ? !a.isLoopback()
                                  : std::strncmp(i->ifa_name, prefix.c_str(), prefix.size()) == 0;
      if (match) {
        found = a;
        break;
      }
    }
  }
  freeifaddrs(list);
  if (found.len != 0) return found;
  if (!prefix.empty())
    throw InvalidArgumentError(
        ErrorSite{"bootstrap"},
        "LCCL_SOCKET_IFNAME=" + prefix + ": no interface that is up has a name starting with it");
  SockAddr lo = SockAddr::anyOf(AF_INET, 0);
  reinterpret_cast<sockaddr_in*>(&lo.ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return lo;
}

// ---- sockets ------------------------------------------------------------

static Fd newSocket(int family, const ErrorSite& site) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw SystemError(site, "socket", errno);
  return Fd(fd);
}

static void setNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

Fd listenOn(const SockAddr& addr, const ErrorSite& site) {
  Fd fd = newSocket(addr.family(), site);
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), addr.sa(), addr.len) != 0)
    throw SystemError(site, "bind to " + addr.str(), errno);
  if (::listen(fd.get(), SOMAXCONN) != 0) throw SystemError(site, "listen", errno);
  return fd;
}

SockAddr localAddress(int fd) {
  SockAddr a;
  a.len = sizeof(a.ss);
  if (::getsockname(fd, a.sa(), &a.len) != 0)
    throw SystemError(ErrorSite{"bootstrap"}, "getsockname", errno);
  return a;
}

Fd acceptOne(int listenFd) {
  for (;;) {
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      setNoDelay(fd);
      return Fd(fd);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return Fd();  // EAGAIN, or a transient error (EMFILE...) retried on the next poll
  }
}

int pollUntil(pollfd* fds, size_t n, Deadline deadline) {
  for (;;) {
    int rc = ::poll(fds, n, remainingMs(deadline));
    if (rc > 0) return rc;
    if (rc < 0 && errno != EINTR) throw SystemError(ErrorSite{"bootstrap"}, "poll", errno);
    if (rc == 0 && Clock::now() >= deadline) return 0;  // else: capped wait or EINTR
  }
}

static bool retryableConnectError(int err) {
  return err == ECONNREFUSED || err == ETIMEDOUT || err == EHOSTUNREACH || err == ENETUNREACH ||
         err == ECONNRESET || err == ECONNABORTED || err == EAGAIN;
}

// One non-blocking connect attempt: 0 when connected, else the errno.
static int connectOnce(int fd, const SockAddr& addr, Deadline deadline) {
  if (::connect(fd, addr.sa(), addr.len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EINTR) return errno;
  pollfd p{fd, POLLOUT, 0};
  if (pollUntil(&p, 1, deadline) == 0) return ETIMEDOUT;
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

Fd connectTo(const SockAddr& addr, Deadline deadline, const ErrorSite& site, bool retry) {
  auto backoff = std::chrono::milliseconds(2);
  for (;;) {
    Fd fd = newSocket(addr.family(), site);
    int err = connectOnce(fd.get(), addr, deadline);
    if (err == 0) {
      setNoDelay(fd.get());
      return fd;
    }
    if (!retryableConnectError(err)) throw SystemError(site, "connect to " + addr.str(), err);
    if (!retry && err == ECONNREFUSED)
      throw RemoteError(site, "connection to " + addr.str() +
                                  " refused: the peer's listener is gone (process exited?)");
    if (Clock::now() >= deadline)
      throw TimeoutError(site, "could not connect to " + addr.str() + " before the deadline (" +
                                   std::strerror(err) + ")");
    auto nap = std::min<Clock::duration>(backoff, deadline - Clock::now());
    if (nap > Clock::duration::zero()) std::this_thread::sleep_for(nap);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
  }
}

// ---- transfers ----------------------------------------------------------

Io readSome(int fd, void* buf, size_t n, size_t& got, const ErrorSite& site) {
  got = 0;
  for (;;) {
    ssize_t r = ::recv(fd, buf, n, 0);
    if (r > 0) {
      got = static_cast<size_t>(r);
      return Io::Done;
    }
    if (r == 0 && n > 0) return Io::Closed;
    if (r == 0) return Io::Done;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::WouldBlock;
    if (errno == ECONNRESET || errno == EPIPE || errno == ETIMEDOUT) return Io::Closed;
    throw SystemError(site, "recv", errno);
  }
}

Io writeSome(int fd, const void* a, size_t na, const void* b, size_t nb, size_t offset,
             size_t& sent, const ErrorSite& site) {
  sent = 0;
  iovec iov[2];
  int cnt = 0;
  if (offset < na)
    iov[cnt++] = {const_cast<char*>(static_cast<const char*>(a)) + offset, na - offset};
  size_t boff = offset > na ? offset - na : 0;
  if (boff < nb) iov[cnt++] = {const_cast<char*>(static_cast<const char*>(b)) + boff, nb - boff};
  if (cnt == 0) return Io::Done;
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = cnt;
  for (;;) {
    ssize_t r = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (r >= 0) {
      sent = static_cast<size_t>(r);
      return Io::Done;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::WouldBlock;
    if (errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT) return Io::Closed;
    throw SystemError(site, "send", errno);
  }
}

void writeAll(int fd, const void* a, size_t na, const void* b, size_t nb, Deadline deadline,
              const ErrorSite& site) {
  size_t off = 0;
  while (off < na + nb) {
    size_t sent = 0;
    Io io = writeSome(fd, a, na, b, nb, off, sent, site);
    if (io == Io::Closed) throw RemoteError(site, "the peer closed the connection");
    off += sent;
    if (io == Io::WouldBlock) {
      pollfd p{fd, POLLOUT, 0};
      if (pollUntil(&p, 1, deadline) == 0)
        throw TimeoutError(site, "timed out writing to the peer");
    }
  }
}

}  // namespace lccl::boot
