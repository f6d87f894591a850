// src/transport/tcp/tcp_transport.hpp — the TCP port transport (private).
//
// One TCP connection per pair of ranks carries checked messages in both
// directions: a 32-byte header (magic, version, type, id, offset, size)
// followed, for puts, by the payload. The receiver validates every header
// before touching memory: known magic/version/type, a registered region or
// semaphore id, offset+size inside the region. A malformed header or a
// connection lost mid-message is an error (SocketError / RemoteError); the
// socket is then closed and every later call rethrows. All waits are bounded
// by the timeout, refreshed whenever bytes move.
//
// Regions may be host memory (sent and received in place) or GPU memory
// (staged through pinned bounce buffers in chunks of LCCL_TCP_STAGING_BYTES,
// see tcp_staging.hpp). A signal is applied only after every earlier put of
// the connection is in the destination memory, GPU copies included.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../../bootstrap/socket.hpp"
#include "lccl/bootstrap.hpp"
#include "lccl/errors.hpp"
#include "lccl/proxy.hpp"
#include "tcp_staging.hpp"

namespace lccl::detail {

enum class TcpMsg : uint16_t {
  Hello = 1,
  Put = 2,
  Signal = 3,
  FlushReq = 4,
  FlushAck = 5,
  Bye = 6
};

struct TcpPortHeader {
  uint32_t magic;    // kTcpPortMagic
  uint16_t version;  // kTcpPortVersion
  uint16_t type;     // TcpMsg
  uint32_t id;       // region (Put), semaphore (Signal), rank (Hello)
  uint32_t aux;      // Hello: the rank the sender expects to talk to
  uint64_t offset;   // Put: destination offset
  uint64_t size;     // Put: payload bytes that follow
};
static_assert(sizeof(TcpPortHeader) == 32, "wire header is 32 bytes");
constexpr uint32_t kTcpPortMagic = 0x4c505254;  // "LPRT"
constexpr uint16_t kTcpPortVersion = 1;

class TcpPortTransport : public PortTransport {
 public:
  // Takes a connected socket on which the hello was already exchanged.
  TcpPortTransport(boot::Fd socket, int rank, int peer, std::chrono::milliseconds timeout);
  ~TcpPortTransport() override;  // sends Bye (one non-blocking try), closes

  // Setup. listen(): a listener on `addr` (port 0: any). accept()/dial() do
  // the hello exchange and verify the peer's rank, within `timeout`.
  static boot::Fd listen(boot::SockAddr& addr);
  static std::shared_ptr<TcpPortTransport> accept(int listenFd, int rank, int peer,
                                                  std::chrono::milliseconds timeout);
  static std::shared_ptr<TcpPortTransport> dial(const boot::SockAddr& addr, int rank, int peer,
                                                std::chrono::milliseconds timeout);

  const TransportCaps& caps() const override { return caps_; }
  int remoteRank() const override { return peer_; }
  void registerMemory(uint32_t id, void* ptr, size_t bytes) override;
  void registerSemaphores(uint64_t* counters, uint32_t count) override;
  void put(uint32_t remoteMemId, uint64_t dstOff, uint32_t localMemId, uint64_t srcOff,
           uint64_t size) override;
  void signal(uint32_t semId) override;
  void flush() override;
  void poll() override;
  void setProgressHook(std::function<void()> hook) override { hook_ = std::move(hook); }
  uint64_t receivedMessages() const override { return received_; }

  // For tests without a GPU: region `id` (registered) goes through the
  // staging path as if it were GPU memory, with host bounce buffers of
  // chunkBytes and memcpy for the copies.
  void stageRegionForTest(uint32_t id, size_t chunkBytes);
  // For tests: sends raw bytes as they are (e.g. a malformed header).
  void sendRawForTest(const void* data, size_t bytes);
  int fdForTest() const { return sock_.get(); }

  static TransportCaps makeCaps();

 private:
  struct Region {
    char* ptr = nullptr;
    size_t bytes = 0;
    bool device = false;  // GPU memory: staged through staging_
  };
  struct Rx {
    TcpPortHeader hdr{};
    size_t hdrGot = 0;
    char* dst = nullptr;  // payload destination while one is arriving
    uint64_t left = 0;    // payload bytes still to read
    char* deviceDst = nullptr;  // GPU destination of the staged bytes (device regions)
    size_t staged = 0;          // bytes in the rx bounce buffer not yet copied
  };

  void checkUsable() const;
  // Runs fn; on any lccl::Error marks the transport broken, closes the
  // socket (the peer sees EOF) and rethrows.
  template <class Fn>
  void guarded(Fn&& fn) {
    checkUsable();
    try {
      fn();
    } catch (const Error& e) {
      broken_ = e.what();
      sock_.reset();
      throw;
    }
  }
  boot::Deadline deadline() const { return boot::deadlineAfter(timeout_); }
  void send(TcpMsg type, uint32_t id, uint64_t offset, const void* payload, uint64_t size);
  void sendStaged(uint32_t id, uint64_t offset, const char* src, uint64_t size);
  bool receiveStaged();
  TcpStaging& staging();
  void sendBytes(const void* a, size_t na, const void* b, size_t nb);
  void waitIo(short events, boot::Deadline dl);
  // pollUntil in slices of ~1 ms, running the progress hook between them.
  int pollWithProgress(pollfd* p, boot::Deadline dl);
  bool receiveSome();  // false: would block
  bool receiveHeader();
  bool receivePayload();
  void handleHeader();
  void validatePut(const TcpPortHeader& h) const;
  void sendPendingAcks();
  ErrorSite site(const char* call) const { return ErrorSite{call, rank_, peer_}; }

  boot::Fd sock_;
  int rank_;
  int peer_;
  std::chrono::milliseconds timeout_;
  TransportCaps caps_;
  std::vector<Region> regions_;
  uint64_t* sems_ = nullptr;
  uint32_t semCount_ = 0;
  Rx rx_;
  std::unique_ptr<TcpStaging> staging_;  // created with the first GPU region
  bool sending_ = false;  // inside send(): acks wait until the message is out
  uint64_t flushesSent_ = 0;
  uint64_t acksReceived_ = 0;
  uint64_t acksOwed_ = 0;
  bool byeReceived_ = false;
  std::string broken_;  // non-empty: unusable, the first error's text
  std::function<void()> hook_;  // see PortTransport::setProgressHook
  uint64_t received_ = 0;       // headers handled (receivedMessages)
};

// Exchanges addresses through the bootstrap (the lower rank listens) and
// returns the connected transport. Collective over the pair.
std::shared_ptr<TcpPortTransport> connectTcpPort(Bootstrap& bootstrap, int peer, int tag,
                                                 std::chrono::milliseconds timeout);

}  // namespace lccl::detail
