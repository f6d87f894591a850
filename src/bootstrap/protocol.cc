#include "protocol.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "lccl/serialize.hpp"

namespace lccl::boot {

// ---- frames -----------------------------------------------------------------

static std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

FrameReader::Status FrameReader::poll(int fd, uint64_t maxBytes, const ErrorSite& site,
                                      const Sink& sink) {
  constexpr size_t kHdr = sizeof(FrameHeader);
  if (got_ == 0) dest_ = nullptr;  // a new frame starts
  for (;;) {
    size_t got = 0;
    Io io;
    if (got_ < kHdr) {
      io = readSome(fd, reinterpret_cast<char*>(&hdr_) + got_, kHdr - got_, got, site);
    } else {
      size_t off = got_ - kHdr;
      char* base = dest_ ? dest_ : payload_.data();
      io = readSome(fd, base + off, hdr_.bytes - off, got, site);
    }
    if (io == Io::Closed) return Status::Closed;
    if (io == Io::WouldBlock) return Status::NeedMore;
    bool headerDone = got_ < kHdr && got_ + got == kHdr;
    got_ += got;
    if (headerDone) {
      if (hdr_.magic != kFrameMagic)
        throw SocketError(site, "malformed message header: magic " + hex32(hdr_.magic) +
                                    ", expected " + hex32(kFrameMagic));
      if (hdr_.bytes > maxBytes)
        throw SocketError(site, "malformed message header: " + std::to_string(hdr_.bytes) +
                                    " bytes announced, more than the bound of " +
                                    std::to_string(maxBytes));
      dest_ = sink ? sink(hdr_) : nullptr;
      if (!dest_) payload_.resize(hdr_.bytes);
    }
    if (got_ >= kHdr && got_ == kHdr + hdr_.bytes) {
      got_ = 0;
      return Status::Frame;
    }
  }
}

void FrameReader::detach() {
  constexpr size_t kHdr = sizeof(FrameHeader);
  if (dest_ == nullptr) return;
  if (got_ == 0) {  // the frame is complete: nothing of it is left to read
    dest_ = nullptr;
    return;
  }
  if (got_ > kHdr) payload_.assign(dest_, dest_ + (got_ - kHdr));
  payload_.resize(hdr_.bytes);
  dest_ = nullptr;
}

void writeFrame(int fd, int tag, const std::vector<char>& payload, Deadline deadline,
                const ErrorSite& site) {
  FrameHeader h = makeHeader(tag, payload.size());
  writeAll(fd, &h, sizeof(h), payload.data(), payload.size(), deadline, site);
}

std::vector<char> readFrame(int fd, int expectTag, uint64_t maxBytes, Deadline deadline,
                            const ErrorSite& site) {
  FrameReader reader;
  for (;;) {
    auto st = reader.poll(fd, maxBytes, site);
    if (st == FrameReader::Status::Frame) {
      if (reader.tag() != expectTag)
        throw SocketError(site, "unexpected message tag " + std::to_string(reader.tag()));
      return std::move(reader.payload());
    }
    if (st == FrameReader::Status::Closed)
      throw RemoteError(site, "the other side closed the connection");
    pollfd p{fd, POLLIN, 0};
    if (pollUntil(&p, 1, deadline) == 0) throw TimeoutError(site, "timed out waiting for a reply");
  }
}

// ---- UniqueId -----------------------------------------------------------------

UniqueId makeId(const SockAddr& root, const uint8_t* secret) {
  IdLayout l{};
  l.magic = kIdMagic;
  l.version = kProtocolVersion;
  l.root = toWire(root);
  std::memcpy(l.secret, secret, kSecretBytes);
  UniqueId id{};
  std::memcpy(id.bytes, &l, sizeof(l));
  return id;
}

IdInfo parseId(const UniqueId& id) {
  IdLayout l;
  std::memcpy(&l, id.bytes, sizeof(l));
  if (l.magic != kIdMagic || l.version != kProtocolVersion ||
      (l.root.family != 4 && l.root.family != 6))
    throw InvalidArgumentError(ErrorSite{"TcpBootstrap"},
                               "not a valid lccl unique id (create it with "
                               "TcpBootstrap::createUniqueId or uniqueIdFromAddress)");
  IdInfo info;
  info.root = fromWire(l.root);
  std::memcpy(info.secret, l.secret, kSecretBytes);
  return info;
}

bool sameId(const UniqueId& a, const UniqueId& b) {
  return std::memcmp(a.bytes, b.bytes, UniqueId::kBytes) == 0;
}

void randomSecret(uint8_t* out) {
  size_t got = 0;
  while (got < kSecretBytes) {
    ssize_t r = ::getrandom(out + got, kSecretBytes - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw SystemError(ErrorSite{"createUniqueId"}, "getrandom", errno);
    got += static_cast<size_t>(r);
  }
}

// Not a cryptographic hash: the secret guards against stray or misdirected
// connections, and it travels in clear text anyway.
void deriveSecret(const std::string& text, uint8_t* out) {
  for (size_t word = 0; word < kSecretBytes / 8; ++word) {
    uint64_t h = 0xcbf29ce484222325ull ^ ((word + 1) * 0x9e3779b97f4a7c15ull);
    for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    std::memcpy(out + 8 * word, &h, 8);
  }
}

bool secretEqual(const uint8_t* a, const uint8_t* b) {
  uint8_t diff = 0;
  for (size_t i = 0; i < kSecretBytes; ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

// ---- messages ---------------------------------------------------------------

std::vector<char> encodeHello(const Hello& h) {
  Writer w;
  w.put(h.version).put(h.rank).put(h.nranks).putBytes(h.secret, kSecretBytes).put(h.listen);
  return w.take();
}

Hello decodeHello(const std::vector<char>& payload) {
  Reader r(payload, "bootstrap hello");
  Hello h;
  h.version = r.get<uint32_t>();
  h.rank = r.get<int32_t>();
  h.nranks = r.get<int32_t>();
  r.getBytes(h.secret, kSecretBytes);
  h.listen = r.get<WireAddr>();
  r.expectEnd();
  return h;
}

std::vector<char> encodeTable(const Table& t) {
  Writer w;
  w.put(static_cast<uint32_t>(t.status)).putString(t.message);
  w.put(static_cast<uint32_t>(t.addrs.size()));
  for (const auto& a : t.addrs) w.put(a);
  return w.take();
}

Table decodeTable(const std::vector<char>& payload) {
  Reader r(payload, "bootstrap address table");
  Table t;
  t.status = static_cast<TableStatus>(r.get<uint32_t>());
  t.message = r.getString(8192);
  uint32_t n = r.get<uint32_t>();
  if (n > r.remaining() / sizeof(WireAddr)) r.fail("address count exceeds the message");
  t.addrs.resize(n);
  for (auto& a : t.addrs) a = r.get<WireAddr>();
  r.expectEnd();
  return t;
}

}  // namespace lccl::boot
