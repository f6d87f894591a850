// The TCP port transport: checked messages over one socket per pair of ranks.
#include "tcp_transport.hpp"

#include <netinet/tcp.h>

#include <algorithm>
#include <cstring>

#include "lccl/bootstrap.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/logging.hpp"

namespace lccl::detail {
namespace {

TcpPortHeader makeHeader(TcpMsg type, uint32_t id, uint32_t aux, uint64_t offset, uint64_t size) {
  return TcpPortHeader{kTcpPortMagic, kTcpPortVersion, static_cast<uint16_t>(type), id, aux, offset,
                       size};
}

// Reads exactly n bytes before `dl` (setup only; the data path uses Rx).
void readExact(int fd, void* buf, size_t n, boot::Deadline dl, const ErrorSite& site) {
  size_t done = 0;
  while (done < n) {
    size_t got = 0;
    auto io = boot::readSome(fd, static_cast<char*>(buf) + done, n - done, got, site);
    if (io == boot::Io::Closed) throw RemoteError(site, "peer closed the connection");
    done += got;
    if (io == boot::Io::Done) continue;
    pollfd p{fd, POLLIN, 0};
    if (boot::pollUntil(&p, 1, dl) == 0) throw TimeoutError(site, "no data from the peer");
  }
}

// Sends our hello and checks the peer's: right magic/version/type and ranks.
void exchangeHello(int fd, int rank, int peer, boot::Deadline dl) {
  const ErrorSite site{"tcp.hello", rank, peer};
  TcpPortHeader mine =
      makeHeader(TcpMsg::Hello, static_cast<uint32_t>(rank), static_cast<uint32_t>(peer), 0, 0);
  boot::writeAll(fd, &mine, sizeof mine, nullptr, 0, dl, site);
  TcpPortHeader theirs{};
  readExact(fd, &theirs, sizeof theirs, dl, site);
  if (theirs.magic != kTcpPortMagic || theirs.version != kTcpPortVersion ||
      theirs.type != static_cast<uint16_t>(TcpMsg::Hello) ||
      theirs.id != static_cast<uint32_t>(peer) || theirs.aux != static_cast<uint32_t>(rank))
    throw SocketError(site, "malformed or unexpected hello");
}

constexpr int kMaxReadsPerPoll = 64;

void setNoDelay(int fd) {
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

TransportCaps TcpPortTransport::makeCaps() {
  TransportCaps c = proxiedTransportCaps("tcp");
  c.proxyStagesGpuMemory = true;  // tcp_staging.hpp
  return c;
}

TcpPortTransport::TcpPortTransport(boot::Fd socket, int rank, int peer,
                                   std::chrono::milliseconds timeout)
    : sock_(std::move(socket)), rank_(rank), peer_(peer), timeout_(timeout), caps_(makeCaps()) {
  setNoDelay(sock_.get());
}

TcpPortTransport::~TcpPortTransport() {
  if (!broken_.empty() || !sock_.valid()) return;
  // One non-blocking attempt: a destructor never waits on the peer. A Bye
  // that does not fit leaves the peer to see EOF without it (an error there).
  const TcpPortHeader bye = makeHeader(TcpMsg::Bye, 0, 0, 0, 0);
  size_t sent = 0;
  try {
    (void)boot::writeSome(sock_.get(), &bye, sizeof bye, nullptr, 0, 0, sent, site("tcp.close"));
  } catch (const std::exception&) {  // the peer may be gone already: nothing to tell
  }
}

boot::Fd TcpPortTransport::listen(boot::SockAddr& addr) {
  boot::Fd fd = boot::listenOn(addr, ErrorSite{"tcp.listen"});
  addr = boot::localAddress(fd.get());
  return fd;
}

std::shared_ptr<TcpPortTransport> TcpPortTransport::accept(int listenFd, int rank, int peer,
                                                           std::chrono::milliseconds timeout) {
  const auto dl = boot::deadlineAfter(timeout);
  const ErrorSite site{"tcp.accept", rank, peer};
  for (;;) {
    boot::Fd fd = boot::acceptOne(listenFd);
    if (fd.valid()) {
      exchangeHello(fd.get(), rank, peer, dl);
      return std::make_shared<TcpPortTransport>(std::move(fd), rank, peer, timeout);
    }
    pollfd p{listenFd, POLLIN, 0};
    if (boot::pollUntil(&p, 1, dl) == 0) throw TimeoutError(site, "peer did not connect");
  }
}

std::shared_ptr<TcpPortTransport> TcpPortTransport::dial(const boot::SockAddr& addr, int rank,
                                                         int peer,
                                                         std::chrono::milliseconds timeout) {
  const auto dl = boot::deadlineAfter(timeout);
  boot::Fd fd = boot::connectTo(addr, dl, ErrorSite{"tcp.connect", rank, peer}, true);
  exchangeHello(fd.get(), rank, peer, dl);
  return std::make_shared<TcpPortTransport>(std::move(fd), rank, peer, timeout);
}

void TcpPortTransport::registerMemory(uint32_t id, void* ptr, size_t bytes) {
  if (id >= ProxyRequest::kMaxMemIds || (ptr == nullptr && bytes != 0))
    throw InvalidArgumentError(site("tcp.registerMemory"), "bad region id or pointer");
  const bool device = isDeviceMemory(ptr);
  if (device) (void)staging();  // allocate now, not on the data path
  if (regions_.size() <= id) regions_.resize(id + 1);
  regions_[id] = Region{static_cast<char*>(ptr), bytes, device};
}

TcpStaging& TcpPortTransport::staging() {
  if (!staging_) {
    const int64_t bytes = Env::instance().integer("LCCL_TCP_STAGING_BYTES");
    if (bytes < 4096)
      throw InvalidArgumentError(site("tcp.staging"), "LCCL_TCP_STAGING_BYTES must be >= 4096");
    staging_ = std::make_unique<TcpStaging>(static_cast<size_t>(bytes));
  }
  return *staging_;
}

void TcpPortTransport::registerSemaphores(uint64_t* counters, uint32_t count) {
  if (counters == nullptr && count != 0)
    throw InvalidArgumentError(site("tcp.registerSemaphores"), "null counters");
  sems_ = counters;
  semCount_ = count;
}

void TcpPortTransport::checkUsable() const {
  if (!broken_.empty())
    throw RemoteError(ErrorSite{"tcp", rank_, peer_}, "transport unusable after: " + broken_);
}

// ---- sending ----------------------------------------------------------------

// Waits until the socket is ready for `events`; incoming data is consumed
// meanwhile so two ranks sending large puts to each other cannot deadlock.
int TcpPortTransport::pollWithProgress(pollfd* p, boot::Deadline dl) {
  if (!hook_) return boot::pollUntil(p, 1, dl);
  for (;;) {
    const auto slice = std::min(dl, boot::deadlineAfter(std::chrono::milliseconds(1)));
    const int n = boot::pollUntil(p, 1, slice);
    if (n != 0 || slice >= dl) return n;
    hook_();
  }
}

void TcpPortTransport::waitIo(short events, boot::Deadline dl) {
  pollfd p{sock_.get(), static_cast<short>(events | POLLIN), 0};
  if (pollWithProgress(&p, dl) == 0)
    throw TimeoutError(site("tcp.wait"), "no progress for " + std::to_string(timeout_.count()) +
                                             " ms (peer stalled or unreachable)");
  if (p.revents & (POLLIN | POLLHUP | POLLERR)) receiveSome();
}

void TcpPortTransport::sendBytes(const void* a, size_t na, const void* b, size_t nb) {
  size_t off = 0;
  auto dl = deadline();
  while (off < na + nb) {
    size_t sent = 0;
    auto io = boot::writeSome(sock_.get(), a, na, b, nb, off, sent, site("tcp.send"));
    if (io == boot::Io::Closed) throw RemoteError(site("tcp.send"), "peer closed the connection");
    off += sent;
    if (sent > 0) dl = deadline();  // progress refreshes the bound
    if (io == boot::Io::WouldBlock) waitIo(POLLOUT, dl);
  }
}

void TcpPortTransport::send(TcpMsg type, uint32_t id, uint64_t offset, const void* payload,
                            uint64_t size) {
  const TcpPortHeader h = makeHeader(type, id, 0, offset, size);
  sending_ = true;
  sendBytes(&h, sizeof h, payload, size);
  sending_ = false;
  sendPendingAcks();
}

// A put from a GPU region: the header, then the payload chunk by chunk
// through the pinned tx buffer (copy, wait, send).
void TcpPortTransport::sendStaged(uint32_t id, uint64_t offset, const char* src, uint64_t size) {
  TcpStaging& st = staging();
  const TcpPortHeader h = makeHeader(TcpMsg::Put, id, 0, offset, size);
  sending_ = true;
  sendBytes(&h, sizeof h, nullptr, 0);
  for (uint64_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(st.chunkBytes(), size - done));
    st.copy(st.tx(), src + done, n, site("tcp.put"), timeout_);
    sendBytes(st.tx(), n, nullptr, 0);
    done += n;
  }
  sending_ = false;
  sendPendingAcks();
}

void TcpPortTransport::sendPendingAcks() {
  while (acksOwed_ > 0 && !sending_) {
    --acksOwed_;
    send(TcpMsg::FlushAck, 0, 0, nullptr, 0);
  }
}

void TcpPortTransport::put(uint32_t remoteMemId, uint64_t dstOff, uint32_t localMemId,
                           uint64_t srcOff, uint64_t size) {
  guarded([&] {
    if (localMemId >= regions_.size() || srcOff > regions_[localMemId].bytes ||
        size > regions_[localMemId].bytes - srcOff)
      throw InvalidArgumentError(site("tcp.put"),
                                 "source outside local region " + std::to_string(localMemId));
    const Region& r = regions_[localMemId];
    if (r.device) sendStaged(remoteMemId, dstOff, r.ptr + srcOff, size);
    else send(TcpMsg::Put, remoteMemId, dstOff, r.ptr + srcOff, size);
  });
}

void TcpPortTransport::signal(uint32_t semId) {
  guarded([&] { send(TcpMsg::Signal, semId, 0, nullptr, 0); });
}

void TcpPortTransport::flush() {
  guarded([&] {
    const uint64_t want = ++flushesSent_;
    send(TcpMsg::FlushReq, 0, 0, nullptr, 0);
    auto dl = deadline();
    while (acksReceived_ < want) {
      if (byeReceived_) throw RemoteError(site("tcp.flush"), "peer closed before acknowledging");
      sendPendingAcks();
      pollfd p{sock_.get(), POLLIN, 0};
      if (pollWithProgress(&p, dl) == 0)
        throw TimeoutError(site("tcp.flush"),
                           "no acknowledgement within " + std::to_string(timeout_.count()) + " ms");
      if (receiveSome()) dl = deadline();
    }
  });
}

void TcpPortTransport::poll() {
  guarded([&] {
    // Bounded work per call, so the proxy returns to its FIFO promptly.
    for (int i = 0; i < kMaxReadsPerPoll && receiveSome(); ++i) {
    }
    sendPendingAcks();
  });
}

void TcpPortTransport::stageRegionForTest(uint32_t id, size_t chunkBytes) {
  if (id >= regions_.size() || regions_[id].ptr == nullptr)
    throw InvalidArgumentError(site("tcp.stageRegionForTest"), "region not registered");
  if (!staging_) staging_ = std::make_unique<TcpStaging>(chunkBytes, true);
  regions_[id].device = true;
}

void TcpPortTransport::sendRawForTest(const void* data, size_t bytes) {
  guarded([&] { sendBytes(data, bytes, nullptr, 0); });
}

// ---- receiving --------------------------------------------------------------

// Reads what is available of the current message; true if bytes arrived.
bool TcpPortTransport::receiveSome() {
  if (byeReceived_) return false;
  return rx_.left > 0 ? receivePayload() : receiveHeader();
}

bool TcpPortTransport::receiveHeader() {
  size_t got = 0;
  auto* buf = reinterpret_cast<char*>(&rx_.hdr);
  auto io = boot::readSome(sock_.get(), buf + rx_.hdrGot, sizeof rx_.hdr - rx_.hdrGot, got,
                           site("tcp.recv"));
  if (io == boot::Io::Closed)
    throw RemoteError(site("tcp.recv"),
                      rx_.hdrGot == 0 ? "peer closed the connection" : "peer closed mid-header");
  rx_.hdrGot += got;
  if (rx_.hdrGot == sizeof rx_.hdr) {
    rx_.hdrGot = 0;
    handleHeader();
  }
  return got > 0;
}

bool TcpPortTransport::receivePayload() {
  if (rx_.deviceDst != nullptr) return receiveStaged();
  size_t got = 0;
  auto io = boot::readSome(sock_.get(), rx_.dst, rx_.left, got, site("tcp.recv"));
  if (io == boot::Io::Closed)
    throw RemoteError(site("tcp.recv"),
                      "peer closed mid-transfer (" + std::to_string(rx_.left) + " bytes missing)");
  rx_.dst += got;
  rx_.left -= got;
  return got > 0;
}

// Payload bound for GPU memory: into the rx bounce buffer; a full buffer (or
// the end of the put) is copied to the GPU and waited for before reading on.
bool TcpPortTransport::receiveStaged() {
  TcpStaging& st = *staging_;
  const size_t room = st.chunkBytes() - rx_.staged;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(room, rx_.left));
  size_t got = 0;
  auto io = boot::readSome(sock_.get(), st.rx() + rx_.staged, want, got, site("tcp.recv"));
  if (io == boot::Io::Closed)
    throw RemoteError(site("tcp.recv"),
                      "peer closed mid-transfer (" + std::to_string(rx_.left) + " bytes missing)");
  rx_.staged += got;
  rx_.left -= got;
  if (rx_.staged == st.chunkBytes() || rx_.left == 0) {
    st.copy(rx_.deviceDst, st.rx(), rx_.staged, site("tcp.recv"), timeout_);
    rx_.deviceDst += rx_.staged;
    rx_.staged = 0;
    if (rx_.left == 0) rx_.deviceDst = nullptr;
  }
  return got > 0;
}

void TcpPortTransport::validatePut(const TcpPortHeader& h) const {
  if (h.id >= regions_.size() || regions_[h.id].ptr == nullptr)
    throw SocketError(site("tcp.recv"), "put into unregistered region " + std::to_string(h.id));
  const size_t bytes = regions_[h.id].bytes;
  if (h.offset > bytes || h.size > bytes - h.offset)
    throw SocketError(site("tcp.recv"), "put [" + std::to_string(h.offset) + ", +" +
                                            std::to_string(h.size) + ") outside region " +
                                            std::to_string(h.id) + " of " + std::to_string(bytes) +
                                            " bytes");
}

void TcpPortTransport::handleHeader() {
  const TcpPortHeader& h = rx_.hdr;
  ++received_;
  if (h.magic != kTcpPortMagic || h.version != kTcpPortVersion)
    throw SocketError(site("tcp.recv"), "malformed header (bad magic or version)");
  const bool bodyless = h.size == 0;
  switch (static_cast<TcpMsg>(h.type)) {
    case TcpMsg::Put:
      validatePut(h);
      rx_.dst = regions_[h.id].ptr + h.offset;
      rx_.left = h.size;
      rx_.staged = 0;
      rx_.deviceDst = regions_[h.id].device && h.size > 0 ? rx_.dst : nullptr;
      return;
    case TcpMsg::Signal:
      if (!bodyless || h.id >= semCount_)
        throw SocketError(site("tcp.recv"), "signal of unknown semaphore " + std::to_string(h.id));
      __atomic_fetch_add(&sems_[h.id], 1, __ATOMIC_RELEASE);  // after the puts before it
      return;
    case TcpMsg::FlushReq:
      if (bodyless) {
        ++acksOwed_;
        return;
      }
      break;
    case TcpMsg::FlushAck:
      if (bodyless) {
        ++acksReceived_;
        return;
      }
      break;
    case TcpMsg::Bye:
      if (bodyless) {
        byeReceived_ = true;
        return;
      }
      break;
    default:
      break;
  }
  throw SocketError(site("tcp.recv"), "malformed header (type " + std::to_string(h.type) +
                                          ", size " + std::to_string(h.size) + ")");
}

// ---- setup through the bootstrap --------------------------------------------

std::shared_ptr<TcpPortTransport> connectTcpPort(Bootstrap& bootstrap, int peer, int tag,
                                                 std::chrono::milliseconds timeout) {
  const int rank = bootstrap.rank();
  if (rank < peer) {
    boot::SockAddr addr = boot::interfaceAddress(Env::instance().str("LCCL_SOCKET_IFNAME"));
    addr.setPort(0);
    boot::Fd listener = TcpPortTransport::listen(addr);
    const boot::WireAddr w = boot::toWire(addr);
    const auto* p = reinterpret_cast<const char*>(&w);
    bootstrap.sendBytes(std::vector<char>(p, p + sizeof w), peer, tag);
    return TcpPortTransport::accept(listener.get(), rank, peer, timeout);
  }
  std::vector<char> bytes = bootstrap.recvBytes(peer, tag, sizeof(boot::WireAddr));
  if (bytes.size() != sizeof(boot::WireAddr))
    throw SocketError(ErrorSite{"tcp.connect", rank, peer}, "malformed address from the peer");
  boot::WireAddr w;
  std::memcpy(&w, bytes.data(), sizeof w);
  return TcpPortTransport::dial(boot::fromWire(w), rank, peer, timeout);
}

}  // namespace lccl::detail
