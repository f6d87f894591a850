// src/bootstrap/protocol.hpp — the bootstrap's wire format (private).
//
// Every message on every bootstrap connection is a frame: a FrameHeader
// {magic, tag, bytes} followed by `bytes` of payload. Conversations:
//
//  rank -> root   Hello frame   (tag kTagHello): version, rank, nranks, secret,
//                                                the rank's listen address
//  root -> rank   Table frame   (tag kTagTable): status, message and, when the
//                                                status is Ok, every rank's address
//  rank -> peer   Connect frame (tag kTagConnect): ConnectMsg, first frame on a
//                                                connection; then user frames
//
// A connection whose first frame is malformed or carries the wrong secret is
// closed. Both ends run the same build, so integers travel in host order.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lccl/bootstrap.hpp"
#include "socket.hpp"

namespace lccl::boot {

constexpr uint32_t kFrameMagic = 0x4c43434cu;  // "LCCL"
constexpr uint32_t kIdMagic = 0x4c434944u;     // "LCID"
constexpr uint32_t kProtocolVersion = 1;
constexpr size_t kSecretBytes = 32;
// Bound on one frame's payload: bigger headers are rejected as malformed.
constexpr uint64_t kMaxFrameBytes = 1ull << 30;
// Bound on the frames a root or a listener accepts before authentication.
constexpr uint64_t kMaxHandshakeBytes = 1024;

// Internal tags live at the bottom of the int range; user tags may not.
constexpr int kTagHello = INT_MIN;
constexpr int kTagTable = INT_MIN + 1;
constexpr int kTagConnect = INT_MIN + 2;
constexpr int kTagAllGather = INT_MIN + 3;
constexpr int kTagBarrier = INT_MIN + 4;
constexpr int kFirstUserTag = INT_MIN + 16;

struct FrameHeader {
  uint32_t magic;
  uint32_t tag;
  uint64_t bytes;
};
static_assert(sizeof(FrameHeader) == 16, "FrameHeader layout");

inline FrameHeader makeHeader(int tag, uint64_t bytes) {
  return FrameHeader{kFrameMagic, static_cast<uint32_t>(tag), bytes};
}

// Incrementally reads frames from a non-blocking socket.
class FrameReader {
 public:
  enum class Status { NeedMore, Frame, Closed };
  // Picks where a frame's payload goes once its header is known: a buffer of
  // header.bytes, or nullptr for payload().
  using Sink = std::function<char*(const FrameHeader&)>;

  // Reads what is available (never past the current frame). Frame: header()
  // and payload() (or the sink's buffer, see direct()) hold one complete frame
  // until the next call. Closed: EOF or reset (midFrame() tells whether a
  // frame was cut). A header with the wrong magic or more than `maxBytes` of
  // payload throws SocketError.
  Status poll(int fd, uint64_t maxBytes, const ErrorSite& site, const Sink& sink = nullptr);
  const FrameHeader& header() const { return hdr_; }
  int tag() const { return static_cast<int>(hdr_.tag); }
  std::vector<char>& payload() { return payload_; }
  bool direct() const { return dest_ != nullptr; }  // last frame went to the sink
  bool midFrame() const { return got_ > 0; }
  // The sink's buffer is about to go away: move what a frame in progress
  // has put there into payload(), where the rest of the frame will go.
  void detach();

 private:
  FrameHeader hdr_{};
  std::vector<char> payload_;
  char* dest_ = nullptr;  // the sink's buffer for the current frame, if any
  size_t got_ = 0;        // bytes of the current frame (header + payload) received
};

// ---- UniqueId -------------------------------------------------------------

struct IdLayout {
  uint32_t magic;
  uint16_t version;
  uint16_t reserved0;
  WireAddr root;
  uint8_t secret[kSecretBytes];
  uint8_t reserved[64];
};
static_assert(sizeof(IdLayout) == UniqueId::kBytes, "IdLayout must fill a UniqueId");

struct IdInfo {
  SockAddr root;
  uint8_t secret[kSecretBytes];
};
UniqueId makeId(const SockAddr& root, const uint8_t* secret);
// InvalidArgumentError when `id` was not made by makeId.
IdInfo parseId(const UniqueId& id);
bool sameId(const UniqueId& a, const UniqueId& b);
// Secret material: random (getrandom) or derived from text (deterministic).
void randomSecret(uint8_t* out);
void deriveSecret(const std::string& text, uint8_t* out);
bool secretEqual(const uint8_t* a, const uint8_t* b);  // constant time

// ---- messages ---------------------------------------------------------------

struct Hello {
  uint32_t version = kProtocolVersion;
  int32_t rank = -1;
  int32_t nranks = 0;
  uint8_t secret[kSecretBytes] = {};
  WireAddr listen{};
};

enum class TableStatus : uint32_t { Ok = 0, InvalidUsage = 1, Timeout = 2, Aborted = 3 };

struct Table {
  TableStatus status = TableStatus::Ok;
  std::string message;
  std::vector<WireAddr> addrs;
};

// First frame on a peer connection.
struct ConnectMsg {
  uint32_t version = kProtocolVersion;
  int32_t from = -1;
  int32_t to = -1;
  int32_t nranks = 0;
  uint8_t secret[kSecretBytes] = {};
};
static_assert(sizeof(ConnectMsg) == 48, "ConnectMsg layout");

std::vector<char> encodeHello(const Hello& h);
Hello decodeHello(const std::vector<char>& payload);  // InvalidArgumentError if malformed
std::vector<char> encodeTable(const Table& t);
Table decodeTable(const std::vector<char>& payload);

// Blocking frame exchange for the short conversations with the root.
void writeFrame(int fd, int tag, const std::vector<char>& payload, Deadline deadline,
                const ErrorSite& site);
// Reads one frame; RemoteError on EOF, TimeoutError at `deadline`.
std::vector<char> readFrame(int fd, int expectTag, uint64_t maxBytes, Deadline deadline,
                            const ErrorSite& site);

}  // namespace lccl::boot
