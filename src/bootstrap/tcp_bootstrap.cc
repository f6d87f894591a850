// TcpBootstrap: ranks meet at the root, then talk over direct connections.
//
// Each rank owns one listener. To send to peer P a rank opens (on first use)
// a connection to P's listener, presents a ConnectMsg with the secret, and
// from then on writes frames on it; that connection carries P's incoming
// messages from this rank only. Incoming frames are queued per (peer, tag) as
// they arrive, so a recv for one tag never blocks messages with another, and
// a send that cannot write also keeps reading (two ranks sending large
// messages to each other cannot deadlock). All waiting is one poll() loop,
// progress(), bounded by the call's deadline; no thread is started.
#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "internal.hpp"
#include "lccl/bootstrap.hpp"
#include "lccl/logging.hpp"
#include "protocol.hpp"
#include "root.hpp"

namespace lccl {

using namespace boot;

struct TcpBootstrap::Impl {
  // Where a blocking call is and how long it may wait.
  struct Wait {
    ErrorSite site;
    Deadline deadline;
    std::string what;  // "waiting for ..." — completes the timeout message
  };
  struct InConn {
    enum class State { None, Open, Closed, Broken } state = State::None;
    Fd fd;
    FrameReader reader;
    std::string why;  // for Closed / Broken
  };
  struct OutConn {
    Fd fd;
    std::string broken;  // non-empty: unusable, and why
  };
  struct Pending {  // accepted, not introduced yet; closed if silent past `expires`
    Fd fd;
    FrameReader reader;
    Deadline expires;
  };
  // The recv in progress: a frame from `peer` with `tag` and exactly `bytes`
  // is read straight into `data` instead of being queued.
  struct DirectRecv {
    int peer = -1;
    int tag = 0;
    char* data = nullptr;
    size_t bytes = 0;
    bool done = false;
  };

  Impl(int r, int n, const UniqueId& i, std::chrono::milliseconds t);
  void init();
  void joinRoot(const IdInfo& info, Deadline deadline);
  void applyTable(const Table& t, const ErrorSite& site);
  void checkArgs(const ErrorSite& site, const void* data, size_t bytes, int peer, int tag) const;
  Wait makeWait(const char* call, int peer, std::string what) const;

  void sendMsg(const void* data, size_t bytes, int peer, int tag, const Wait& w);
  void recvMsg(void* data, size_t bytes, int peer, int tag, const Wait& w);
  int outFd(int peer, const Wait& w);
  void writeFrameTo(int peer, int tag, const void* data, size_t bytes, const Wait& w);
  bool takeQueued(void* data, size_t bytes, int peer, int tag, const Wait& w);
  void checkIncoming(int peer, int tag, const Wait& w) const;

  bool progress(const Wait& w, int writeFd);
  void acceptAll();
  void readPending(Pending& p);
  int validateConnect(Pending& p, std::string& why) const;
  void readIncoming(int peer);
  std::string describeIn(int peer) const;

  const int rank;
  const int nranks;
  const UniqueId id;
  const std::chrono::milliseconds timeout;
  uint8_t secret[kSecretBytes] = {};
  std::mutex mu;
  Fd listener;
  std::vector<SockAddr> peers;
  std::vector<InConn> in;
  std::vector<OutConn> out;
  std::vector<Pending> pending;
  std::map<std::pair<int, int>, std::deque<std::vector<char>>> queued;  // (peer, tag)
  DirectRecv direct;
};

static std::string tagStr(int tag) {
  switch (tag) {
    case kTagAllGather: return "<allGather>";
    case kTagBarrier: return "<barrier>";
    default: return std::to_string(tag);
  }
}

TcpBootstrap::Impl::Impl(int r, int n, const UniqueId& i, std::chrono::milliseconds t)
    : rank(r), nranks(n), id(i), timeout(t) {}

// ---- construction -------------------------------------------------------------

void TcpBootstrap::Impl::init() {
  ErrorSite site{"bootstrap.init", rank, -1};
  if (nranks < 1)
    throw InvalidArgumentError(site, "nranks must be >= 1, got " + std::to_string(nranks));
  if (rank < 0 || rank >= nranks)
    throw InvalidArgumentError(site, "rank must be in [0, " + std::to_string(nranks) + ")");
  if (timeout.count() <= 0) throw InvalidArgumentError(site, "timeout must be positive");
  IdInfo info = parseId(id);
  std::memcpy(secret, info.secret, kSecretBytes);
  in.resize(nranks);
  out.resize(nranks);
  if (nranks == 1) return;  // nothing to exchange with anybody
  joinRoot(info, deadlineAfter(timeout));
  LCCL_INFO("bootstrap rank %d of %d listening on %s", rank, nranks, peers[rank].str().c_str());
}

// Registers with the root and receives the address table. The listener binds
// the local address that routes to the root, so peers can reach it the same way.
void TcpBootstrap::Impl::joinRoot(const IdInfo& info, Deadline deadline) {
  ErrorSite site{"bootstrap.init", rank, -1};
  std::string rootStr = info.root.str();
  Fd root = connectTo(info.root, deadline, site, /*retry=*/true);
  SockAddr me = localAddress(root.get());
  me.setPort(0);
  listener = listenOn(me, site);
  Hello h;
  h.rank = rank;
  h.nranks = nranks;
  std::memcpy(h.secret, secret, kSecretBytes);
  h.listen = toWire(localAddress(listener.get()));
  std::vector<char> reply;
  try {
    writeFrame(root.get(), kTagHello, encodeHello(h), deadline, site);
    reply = readFrame(root.get(), kTagTable, 8192 + uint64_t(nranks) * sizeof(WireAddr) + 64,
                      deadline, site);
  } catch (const RemoteError&) {
    throw RemoteError(site, "the bootstrap root at " + rootStr +
                                " closed the connection without an address table (wrong secret "
                                "in the unique id, or the root stopped)");
  } catch (const TimeoutError&) {
    throw TimeoutError(site, "timed out after " + std::to_string(timeout.count()) +
                                 " ms waiting for the address table from the root at " + rootStr +
                                 " (not all " + std::to_string(nranks) + " ranks joined?)");
  }
  Table t;
  try {
    t = decodeTable(reply);
  } catch (const InvalidArgumentError& e) {
    throw SocketError(site, e.what());
  }
  applyTable(t, site);
}

void TcpBootstrap::Impl::applyTable(const Table& t, const ErrorSite& site) {
  switch (t.status) {
    case TableStatus::Ok: break;
    case TableStatus::InvalidUsage: throw InvalidUsageError(site, t.message);
    case TableStatus::Timeout: throw TimeoutError(site, t.message);
    case TableStatus::Aborted: throw RemoteError(site, t.message);
    default: throw SocketError(site, "malformed address table: unknown status");
  }
  if (t.addrs.size() != static_cast<size_t>(nranks))
    throw SocketError(site, "malformed address table: " + std::to_string(t.addrs.size()) +
                                " addresses for " + std::to_string(nranks) + " ranks");
  for (const auto& a : t.addrs) peers.push_back(fromWire(a));
}

// ---- argument checks -----------------------------------------------------------

void TcpBootstrap::Impl::checkArgs(const ErrorSite& site, const void* data, size_t bytes, int peer,
                                   int tag) const {
  if (peer < 0 || peer >= nranks)
    throw InvalidArgumentError(
        site, "peer " + std::to_string(peer) + " is not in [0, " + std::to_string(nranks) + ")");
  if (tag < kFirstUserTag)
    throw InvalidArgumentError(site, "tag " + std::to_string(tag) + " is reserved by lccl");
  if (data == nullptr && bytes > 0) throw InvalidArgumentError(site, "null buffer");
  if (bytes > kMaxFrameBytes)
    throw InvalidArgumentError(site, std::to_string(bytes) + " bytes exceed the bootstrap's " +
                                         "message bound of " + std::to_string(kMaxFrameBytes));
}

TcpBootstrap::Impl::Wait TcpBootstrap::Impl::makeWait(const char* call, int peer,
                                                      std::string what) const {
  return Wait{ErrorSite{call, rank, peer}, deadlineAfter(timeout), std::move(what)};
}

// ---- send -------------------------------------------------------------------------

void TcpBootstrap::Impl::sendMsg(const void* data, size_t bytes, int peer, int tag, const Wait& w) {
  if (peer == rank) {  // to self: straight into the queue
    const char* c = static_cast<const char*>(data);
    queued[{peer, tag}].emplace_back(c, c + bytes);
    return;
  }
  writeFrameTo(peer, tag, data, bytes, w);
}

// The connection to `peer`, opened and introduced (ConnectMsg) on first use.
int TcpBootstrap::Impl::outFd(int peer, const Wait& w) {
  OutConn& o = out[peer];
  if (!o.broken.empty()) throw RemoteError(w.site, o.broken);
  if (!o.fd.valid()) {
    o.fd = connectTo(peers[peer], w.deadline, w.site, /*retry=*/false);
    ConnectMsg m;
    m.from = rank;
    m.to = peer;
    m.nranks = nranks;
    std::memcpy(m.secret, secret, kSecretBytes);
    writeFrameTo(peer, kTagConnect, &m, sizeof(m), w);
  }
  return o.fd.get();
}

// Writes one frame, servicing incoming traffic whenever the socket is full.
// A frame cut short by an error leaves the connection unusable.
void TcpBootstrap::Impl::writeFrameTo(int peer, int tag, const void* data, size_t bytes,
                                      const Wait& w) {
  int fd = tag == kTagConnect ? out[peer].fd.get() : outFd(peer, w);
  FrameHeader h = makeHeader(tag, bytes);
  const size_t total = sizeof(h) + bytes;
  size_t off = 0;
  try {
    while (off < total) {
      size_t sent = 0;
      Io io = writeSome(fd, &h, sizeof(h), data, bytes, off, sent, w.site);
      if (io == Io::Closed)
        throw RemoteError(w.site,
                          "the peer closed the connection (process exited, bootstrap "
                          "destroyed, or the connection was rejected)");
      off += sent;
      if (io == Io::WouldBlock) progress(w, fd);
    }
  } catch (const Error& e) {
    if (off != 0 || e.code() != ErrorCode::Timeout || tag == kTagConnect) {
      out[peer].broken = std::string("connection unusable after an earlier failure: ") + e.what();
      out[peer].fd.reset();
    }
    throw;
  }
}

// ---- recv -------------------------------------------------------------------------

// Takes the oldest queued (peer, tag) message or, when none is queued, lets
// readIncoming() put the next one straight into `data`.
void TcpBootstrap::Impl::recvMsg(void* data, size_t bytes, int peer, int tag, const Wait& w) {
  if (takeQueued(data, bytes, peer, tag, w)) return;
  direct = DirectRecv{peer, tag, static_cast<char*>(data), bytes, false};
  struct Reset {  // on every exit: `data` must not be written to any more
    Impl& m;
    ~Reset() {
      if (m.direct.peer >= 0 && m.direct.peer != m.rank) m.in[m.direct.peer].reader.detach();
      m.direct = DirectRecv{};
    }
  } reset{*this};
  for (;;) {
    if (direct.done) return;
    if (takeQueued(data, bytes, peer, tag, w)) return;  // e.g. a size mismatch
    checkIncoming(peer, tag, w);
    progress(w, -1);
  }
}

bool TcpBootstrap::Impl::takeQueued(void* data, size_t bytes, int peer, int tag, const Wait& w) {
  auto it = queued.find({peer, tag});
  if (it == queued.end()) return false;
  std::vector<char> msg = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) queued.erase(it);
  if (msg.size() != bytes)
    throw SocketError(w.site, "message with tag " + tagStr(tag) + " has " +
                                  std::to_string(msg.size()) + " bytes, the receiver expects " +
                                  std::to_string(bytes));
  if (bytes > 0) std::memcpy(data, msg.data(), bytes);
  return true;
}

// Throws if nothing more can come from `peer`.
void TcpBootstrap::Impl::checkIncoming(int peer, int tag, const Wait& w) const {
  const InConn& c = in[peer];
  if (c.state == InConn::State::Broken) throw SocketError(w.site, c.why);
  if (c.state == InConn::State::Closed)
    throw RemoteError(w.site, c.why + " before sending the message with tag " + tagStr(tag));
}

std::string TcpBootstrap::Impl::describeIn(int peer) const {
  if (peer < 0 || peer == rank) return "";
  switch (in[peer].state) {
    case InConn::State::None: return " (the peer has not connected to this rank yet)";
    case InConn::State::Open: return " (the peer is connected but has not sent it)";
    default: return "";
  }
}

// ---- progress engine ----------------------------------------------------------

// One poll() round: accepts connections, reads introductions and incoming
// frames. Returns true when `writeFd` (if >= 0) is writable. Throws
// TimeoutError naming the wait once its deadline passes.
bool TcpBootstrap::Impl::progress(const Wait& w, int writeFd) {
  std::vector<pollfd> fds;
  std::vector<int> owner;  // -1 listener, -2 writeFd, -3 - i pending[i], p >= 0 in[p]
  auto add = [&](int fd, short ev, int who) {
    fds.push_back({fd, ev, 0});
    owner.push_back(who);
  };
  if (listener.valid()) add(listener.get(), POLLIN, -1);
  if (writeFd >= 0) add(writeFd, POLLOUT, -2);
  for (size_t i = 0; i < pending.size(); ++i) add(pending[i].fd.get(), POLLIN, -3 - int(i));
  for (int p = 0; p < nranks; ++p)
    if (in[p].state == InConn::State::Open) add(in[p].fd.get(), POLLIN, p);
  if (pollUntil(fds.data(), fds.size(), w.deadline) == 0)
    throw TimeoutError(w.site, "timed out after " + std::to_string(timeout.count()) + " ms " +
                                   w.what + describeIn(w.site.peer));
  bool writable = false, accept = false;
  for (size_t k = 0; k < fds.size(); ++k) {
    if (fds[k].revents == 0) continue;
    int who = owner[k];
    if (who == -1)
      accept = true;
    else if (who == -2)
      writable = true;
    else if (who >= 0)
      readIncoming(who);
    else
      readPending(pending[-3 - who]);
  }
  const auto now = Clock::now();
  pending.erase(std::remove_if(pending.begin(), pending.end(),
                               [&](const Pending& p) {
                                 if (p.fd.valid() && now >= p.expires)
                                   LCCL_WARN(
                                       "bootstrap rank %d closed a connection that did not "
                                       "introduce itself in time",
                                       rank);
                                 return !p.fd.valid() || now >= p.expires;
                               }),
                pending.end());
  if (accept) acceptAll();
  return writable;
}

void TcpBootstrap::Impl::acceptAll() {
  for (;;) {
    Fd fd = acceptOne(listener.get());
    if (!fd.valid()) return;
    pending.push_back(Pending{std::move(fd), FrameReader{}, deadlineAfter(timeout)});
  }
}

// Reads a not yet introduced connection; once its ConnectMsg is complete the
// connection becomes in[from] or is closed (wrong secret, garbage, duplicate).
void TcpBootstrap::Impl::readPending(Pending& p) {
  std::string why;
  int from = -1;
  try {
    auto st = p.reader.poll(p.fd.get(), kMaxHandshakeBytes, ErrorSite{"bootstrap", rank});
    if (st == FrameReader::Status::NeedMore) return;
    if (st == FrameReader::Status::Frame)
      from = validateConnect(p, why);
    else
      why = "closed before introducing itself";
  } catch (const Error& e) {
    why = e.what();
  }
  if (from < 0) {
    LCCL_WARN("bootstrap rank %d rejected an incoming connection: %s", rank, why.c_str());
    p.fd.reset();
    return;
  }
  in[from].fd = std::move(p.fd);
  in[from].state = InConn::State::Open;
}

// The sender's rank if `p` carries a valid introduction, else -1 and `why`.
int TcpBootstrap::Impl::validateConnect(Pending& p, std::string& why) const {
  if (p.reader.tag() != kTagConnect || p.reader.payload().size() != sizeof(ConnectMsg)) {
    why = "the first message is not an introduction";
    return -1;
  }
  ConnectMsg m;
  std::memcpy(&m, p.reader.payload().data(), sizeof(m));
  if (!secretEqual(m.secret, secret))
    why = "wrong secret";
  else if (m.version != kProtocolVersion)
    why = "protocol version mismatch";
  else if (m.to != rank || m.nranks != nranks)
    why = "introduction meant for another rank or job";
  else if (m.from < 0 || m.from >= nranks || m.from == rank)
    why = "sender rank out of range";
  else if (in[m.from].state != InConn::State::None)
    why = "a second connection claiming to be rank " + std::to_string(m.from);
  else
    return m.from;
  return -1;
}

// Drains frames from peer's connection into the queue; EOF or garbage marks
// the connection closed or broken (reported by the next recv from that peer).
void TcpBootstrap::Impl::readIncoming(int peer) {
  InConn& c = in[peer];
  // Only the next message of the recv in progress may go to its buffer: not
  // one behind an earlier (peer, tag) message that is queued already.
  auto sink = [this, peer](const FrameHeader& h) -> char* {
    const DirectRecv& d = direct;
    bool match = d.peer == peer && !d.done && static_cast<int>(h.tag) == d.tag &&
                 h.bytes == d.bytes && d.bytes > 0 && queued.count({peer, d.tag}) == 0;
    return match ? d.data : nullptr;
  };
  try {
    for (;;) {
      auto st =
          c.reader.poll(c.fd.get(), kMaxFrameBytes, ErrorSite{"bootstrap.recv", rank, peer}, sink);
      if (st == FrameReader::Status::NeedMore) return;
      if (st == FrameReader::Status::Closed) {
        c.state = InConn::State::Closed;
        c.why = c.reader.midFrame() ? "the peer closed the connection in the middle of a message"
                                    : "the peer closed the connection (process exited or bootstrap "
                                      "destroyed)";
        c.fd.reset();
        return;
      }
      if (c.reader.direct())
        direct.done = true;
      else
        queued[{peer, c.reader.tag()}].push_back(std::move(c.reader.payload()));
    }
  } catch (const Error& e) {
    LCCL_WARN("bootstrap rank %d: dropping the connection from peer %d: %s", rank, peer, e.what());
    c.state = InConn::State::Broken;
    c.why = std::string("connection from the peer dropped: ") + e.what();
    c.fd.reset();
  }
}

// ---- public API -----------------------------------------------------------------

TcpBootstrap::TcpBootstrap(int rank, int nranks, const UniqueId& id)
    : TcpBootstrap(rank, nranks, id, envTimeout(Env::instance())) {}

TcpBootstrap::TcpBootstrap(int rank, int nranks, const UniqueId& id,
                           std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(rank, nranks, id, timeout)) {
  try {
    impl_->init();
  } catch (...) {
    finishLocalRoot(id, /*abort=*/true);  // ranks still waiting on it fail now, not later
    throw;
  }
  finishLocalRoot(id, /*abort=*/nranks == 1);  // a 1-rank job never talks to its root
}

TcpBootstrap::~TcpBootstrap() = default;

int TcpBootstrap::rank() const { return impl_->rank; }
int TcpBootstrap::size() const { return impl_->nranks; }
std::chrono::milliseconds TcpBootstrap::timeout() const { return impl_->timeout; }

void TcpBootstrap::send(const void* data, size_t bytes, int peer, int tag) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto w = impl_->makeWait("bootstrap.send", peer, "waiting to send tag " + tagStr(tag));
  impl_->checkArgs(w.site, data, bytes, peer, tag);
  impl_->sendMsg(data, bytes, peer, tag, w);
}

void TcpBootstrap::recv(void* data, size_t bytes, int peer, int tag) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto w = impl_->makeWait("bootstrap.recv", peer, "waiting for a message with tag " + tagStr(tag));
  impl_->checkArgs(w.site, data, bytes, peer, tag);
  impl_->recvMsg(data, bytes, peer, tag, w);
}

// Ring: in step s each rank forwards slot (rank - s) to its successor and
// receives slot (rank - s - 1) from its predecessor. One deadline bounds all.
void TcpBootstrap::allGather(void* all, size_t bytesPerRank) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& m = *impl_;
  const int n = m.nranks, next = (m.rank + 1) % n, prev = (m.rank + n - 1) % n;
  auto w = m.makeWait("bootstrap.allGather", prev, "waiting for the ring predecessor");
  if (all == nullptr && bytesPerRank > 0) throw InvalidArgumentError(w.site, "null buffer");
  if (bytesPerRank > kMaxFrameBytes / size_t(n))
    throw InvalidArgumentError(w.site, std::to_string(bytesPerRank) +
                                           " bytes per rank exceed "
                                           "the bootstrap's bound of " +
                                           std::to_string(kMaxFrameBytes) + " bytes in all");
  char* base = static_cast<char*>(all);
  for (int s = 0; s < n - 1; ++s) {
    int sendSlot = (m.rank - s + n) % n, recvSlot = (m.rank - s - 1 + n) % n;
    w.site.peer = next;
    m.sendMsg(base + size_t(sendSlot) * bytesPerRank, bytesPerRank, next, kTagAllGather, w);
    w.site.peer = prev;
    m.recvMsg(base + size_t(recvSlot) * bytesPerRank, bytesPerRank, prev, kTagAllGather, w);
  }
}

// Dissemination barrier: in round k every rank signals rank + 2^k and waits
// for rank - 2^k; after ceil(log2(n)) rounds every rank has heard from all.
void TcpBootstrap::barrier() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& m = *impl_;
  const int n = m.nranks;
  auto w = m.makeWait("bootstrap.barrier", -1, "waiting for the barrier");
  for (int k = 1; k < n; k *= 2) {
    w.site.peer = (m.rank + k) % n;
    m.sendMsg(nullptr, 0, w.site.peer, kTagBarrier, w);
    w.site.peer = (m.rank - k % n + n) % n;
    m.recvMsg(nullptr, 0, w.site.peer, kTagBarrier, w);
  }
}

// ---- ids and environment-based init ------------------------------------------

namespace boot {

std::chrono::milliseconds envTimeout(const Env& env) {
  int64_t ms = env.integer("LCCL_BOOTSTRAP_TIMEOUT_MS");
  if (ms <= 0)
    throw InvalidArgumentError(ErrorSite{"bootstrap"},
                               "LCCL_BOOTSTRAP_TIMEOUT_MS must be > 0, got " + std::to_string(ms));
  return std::chrono::milliseconds(ms);
}

UniqueId createUniqueId(std::chrono::milliseconds rootTimeout, const std::string& ifnamePrefix) {
  SockAddr addr = interfaceAddress(ifnamePrefix);
  addr.setPort(0);
  uint8_t secret[kSecretBytes];
  randomSecret(secret);
  return startRoot(addr, addr, secret, rootTimeout);
}

UniqueId uniqueIdFromAddress(const std::string& hostPort, const std::string& secretHex, bool start,
                             std::chrono::milliseconds rootTimeout) {
  SockAddr root = resolveHostPort(hostPort);
  uint8_t secret[kSecretBytes];
  deriveSecret(secretHex.empty() ? "lccl-root-address:" + hostPort : "lccl-secret:" + secretHex,
               secret);
  if (!start) return makeId(root, secret);
  // The root may be named by a host name that resolves to any local address:
  // listen on all of them unless it is a loopback address.
  SockAddr bindAddr = root.isLoopback() ? root : SockAddr::anyOf(root.family(), root.port());
  return startRoot(bindAddr, root, secret, rootTimeout);
}

std::unique_ptr<TcpBootstrap> bootstrapFromEnv(const Env& env) {
  ErrorSite site{"bootstrap.fromEnv"};
  auto need = [&](const char* name, const char* alias) -> const std::string& {
    const std::string& v = env.str(name);
    if (v.empty())
      throw InvalidUsageError(site, std::string(name) +
                                        (alias ? std::string(" (or ") + alias + ")" : "") +
                                        " is not set; environment-based init needs LCCL_ROOT_ADDR, "
                                        "LCCL_RANK and LCCL_WORLD_SIZE");
    return v;
  };
  const std::string& addr = need("LCCL_ROOT_ADDR", nullptr);
  int64_t rank = parseInteger("LCCL_RANK", need("LCCL_RANK", "RANK"));
  int64_t size = parseInteger("LCCL_WORLD_SIZE", need("LCCL_WORLD_SIZE", "WORLD_SIZE"));
  if (size < 1 || size > (1 << 24) || rank < 0 || rank >= size)
    throw InvalidArgumentError(site, "LCCL_RANK=" + std::to_string(rank) +
                                         " is not in [0, LCCL_WORLD_SIZE=" + std::to_string(size) +
                                         ")");
  auto timeout = envTimeout(env);
  UniqueId id = uniqueIdFromAddress(addr, env.str("LCCL_BOOTSTRAP_SECRET"), rank == 0, timeout);
  return std::make_unique<TcpBootstrap>(int(rank), int(size), id, timeout);
}

}  // namespace boot

UniqueId TcpBootstrap::createUniqueId() {
  const Env& env = Env::instance();
  return boot::createUniqueId(envTimeout(env), env.str("LCCL_SOCKET_IFNAME"));
}

UniqueId TcpBootstrap::uniqueIdFromAddress(const std::string& hostPort,
                                           const std::string& secretHex, bool startRoot) {
  return boot::uniqueIdFromAddress(hostPort, secretHex, startRoot, envTimeout(Env::instance()));
}

std::unique_ptr<TcpBootstrap> TcpBootstrap::fromEnv() {
  return boot::bootstrapFromEnv(Env::instance());
}

}  // namespace lccl
