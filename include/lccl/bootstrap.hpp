// lccl/bootstrap.hpp — out-of-band exchange between the ranks of a job.
//
// A Bootstrap moves small host messages between ranks: point-to-point
// send/recv matched by (peer, tag), allGather and barrier. Communicators use it
// to exchange memory handles and connection info; it is not a data path.
//
// Guarantees of every implementation:
//  - every blocking call is bounded by timeout() and throws TimeoutError naming
//    the rank, the peer and the call when it expires;
//  - a peer that dies or closes its connection gives RemoteError on the ranks
//    talking to it, never a hang;
//  - message sizes coming from the network are checked against what the
//    receiver expects (SocketError on mismatch or on malformed headers);
//  - one Bootstrap may be used from one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lccl {

// 128 opaque bytes: the root's address plus a random secret. Create it once
// (on one rank), hand it to every rank out of band (MPI_Bcast, a key-value
// store, a file), then construct TcpBootstrap on each rank with it.
struct UniqueId {
  static constexpr size_t kBytes = 128;
  uint8_t bytes[kBytes];
};
static_assert(sizeof(UniqueId) == 128, "UniqueId must be 128 bytes (NCCL-compatible size)");

class Bootstrap {
 public:
  virtual ~Bootstrap() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::chrono::milliseconds timeout() const = 0;

  // Sends exactly `bytes` to `peer`; the matching recv must ask for the same
  // size and tag. Messages between one pair with one tag arrive in order.
  virtual void send(const void* data, size_t bytes, int peer, int tag) = 0;
  virtual void recv(void* data, size_t bytes, int peer, int tag) = 0;
  // `all` holds size() slots of `bytesPerRank`; slot rank() is the input.
  virtual void allGather(void* all, size_t bytesPerRank) = 0;
  virtual void barrier() = 0;

  // Variable-size messages (the size travels first and is bounded by maxBytes).
  void sendBytes(const std::vector<char>& data, int peer, int tag);
  std::vector<char> recvBytes(int peer, int tag, size_t maxBytes = 64u << 20);
};

// TCP bootstrap: a root listener gathers every rank's address, then ranks talk
// over direct connections opened on first use. Connections that do not present
// the id's secret are rejected.
class TcpBootstrap : public Bootstrap {
 public:
  // Creates an id whose root listens on this host (LCCL_SOCKET_IFNAME picks the
  // interface) and starts the root in a background thread of this process.
  static UniqueId createUniqueId();
  // Parses "host:port" and builds an id whose root is there, with `secretHex`
  // (any length, hashed to the secret) or, when empty, a secret derived from
  // the address. The rank whose address it is must call with startRoot=true.
  static UniqueId uniqueIdFromAddress(const std::string& hostPort, const std::string& secretHex,
                                      bool startRoot);
  // Environment-based init: LCCL_ROOT_ADDR, LCCL_RANK (RANK), LCCL_WORLD_SIZE
  // (WORLD_SIZE), LCCL_BOOTSTRAP_SECRET. Rank 0 starts the root.
  static std::unique_ptr<TcpBootstrap> fromEnv();

  TcpBootstrap(int rank, int nranks, const UniqueId& id);
  TcpBootstrap(int rank, int nranks, const UniqueId& id, std::chrono::milliseconds timeout);
  ~TcpBootstrap() override;
  TcpBootstrap(const TcpBootstrap&) = delete;
  TcpBootstrap& operator=(const TcpBootstrap&) = delete;

  int rank() const override;
  int size() const override;
  std::chrono::milliseconds timeout() const override;
  void send(const void* data, size_t bytes, int peer, int tag) override;
  void recv(void* data, size_t bytes, int peer, int tag) override;
  void allGather(void* all, size_t bytesPerRank) override;
  void barrier() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lccl
