#include "root.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lccl/logging.hpp"
#include "protocol.hpp"

namespace lccl::boot {
namespace {

std::string peerName(int fd) {
  SockAddr a;
  a.len = sizeof(a.ss);
  if (::getpeername(fd, a.sa(), &a.len) != 0) return "<unknown peer>";
  return a.str();
}

class RootServer {
 public:
  RootServer(Fd listener, const uint8_t* secret, std::chrono::milliseconds timeout,
             std::string where);
  ~RootServer();
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop();
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  bool running() const { return !finished_.load(); }

 private:
  struct Conn {
    Fd fd;
    FrameReader reader;
    short revents = 0;
  };
  struct Member {
    Fd fd;
    WireAddr listen;
  };

  void run();
  void serve();
  void pollOnce(Deadline deadline, bool& stopRequested, bool& expired);
  void acceptAll();
  void readPending(Conn& c);
  void checkMembers(const std::vector<pollfd>& fds, size_t first);
  void handleHello(Conn& c);
  void rejectHello(Conn& c, const std::string& why);
  void sendTables();
  void replyAll(TableStatus status, const std::string& message);
  std::string missingRanks() const;

  Fd listener_;
  Fd stopFd_;
  uint8_t secret_[kSecretBytes];
  std::chrono::milliseconds timeout_;
  std::string where_;
  std::vector<Conn> pending_;
  std::map<int, Member> members_;
  int nranks_ = 0;
  Deadline idleDeadline_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

RootServer::RootServer(Fd listener, const uint8_t* secret, std::chrono::milliseconds timeout,
                       std::string where)
    : listener_(std::move(listener)), timeout_(timeout), where_(std::move(where)) {
  std::copy(secret, secret + kSecretBytes, secret_);
  int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) throw SystemError(ErrorSite{"bootstrap.root"}, "eventfd", errno);
  stopFd_.reset(efd);
}

RootServer::~RootServer() {
  stop();
  join();
}

void RootServer::stop() {
  uint64_t one = 1;
  if (stopFd_.valid()) {
    [[maybe_unused]] ssize_t r = ::write(stopFd_.get(), &one, sizeof(one));
  }
}

// Thread body: never throws; releases every socket before it ends.
void RootServer::run() {
  try {
    serve();
  } catch (const std::exception& e) {
    LCCL_WARN("bootstrap root at %s failed: %s", where_.c_str(), e.what());
  }
  pending_.clear();
  members_.clear();
  listener_.reset();
  finished_ = true;
}

void RootServer::serve() {
  idleDeadline_ = deadlineAfter(timeout_);
  for (;;) {
    bool stopRequested = false, expired = false;
    pollOnce(idleDeadline_, stopRequested, expired);
    if (stopRequested) {
      replyAll(TableStatus::Aborted,
               "the bootstrap root at " + where_ +
                   " was stopped: a rank in the root's process failed to initialize");
      return;
    }
    if (expired) {
      std::string msg = "the bootstrap root at " + where_ + " gave up after " +
                        std::to_string(timeout_.count()) +
                        " ms without a new rank: " + std::to_string(members_.size()) + " of " +
                        (nranks_ ? std::to_string(nranks_) : std::string("?")) +
                        " ranks joined; missing: " + missingRanks();
      LCCL_WARN("%s", msg.c_str());
      replyAll(TableStatus::Timeout, msg);
      return;
    }
    if (nranks_ > 0 && static_cast<int>(members_.size()) == nranks_) {
      sendTables();
      return;
    }
  }
}

// One poll round over the stop event, the listener, unauthenticated
// connections and the members (whose only expected event is EOF).
void RootServer::pollOnce(Deadline deadline, bool& stopRequested, bool& expired) {
  std::vector<pollfd> fds;
  fds.push_back({stopFd_.get(), POLLIN, 0});
  fds.push_back({listener_.get(), POLLIN, 0});
  for (auto& c : pending_) fds.push_back({c.fd.get(), POLLIN, 0});
  size_t firstMember = fds.size();
  for (auto& m : members_) fds.push_back({m.second.fd.get(), POLLIN, 0});
  if (pollUntil(fds.data(), fds.size(), deadline) == 0) {
    expired = true;
    return;
  }
  if (fds[0].revents) {
    stopRequested = true;
    return;
  }
  for (size_t i = 0; i < pending_.size(); ++i) pending_[i].revents = fds[2 + i].revents;
  checkMembers(fds, firstMember);
  for (auto& c : pending_)
    if (c.revents) readPending(c);
  pending_.erase(
      std::remove_if(pending_.begin(), pending_.end(), [](const Conn& c) { return !c.fd.valid(); }),
      pending_.end());
  if (fds[1].revents) acceptAll();
}

void RootServer::acceptAll() {
  for (;;) {
    Fd fd = acceptOne(listener_.get());
    if (!fd.valid()) return;
    pending_.push_back(Conn{std::move(fd), FrameReader{}, 0});
  }
}

// A member sends nothing after its Hello: readable means it left (or broke
// the protocol). Either way it is dropped and may join again.
void RootServer::checkMembers(const std::vector<pollfd>& fds, size_t first) {
  size_t i = first;
  for (auto it = members_.begin(); it != members_.end(); ++i) {
    if (fds[i].revents == 0) {
      ++it;
      continue;
    }
    LCCL_WARN("bootstrap root at %s: rank %d left before all ranks joined", where_.c_str(),
              it->first);
    it = members_.erase(it);
  }
}

void RootServer::readPending(Conn& c) {
  try {
    auto st = c.reader.poll(c.fd.get(), kMaxHandshakeBytes, ErrorSite{"bootstrap.root"});
    if (st == FrameReader::Status::Closed) c.fd.reset();
    if (st != FrameReader::Status::Frame) return;
    if (c.reader.tag() != kTagHello)
      throw SocketError(ErrorSite{"bootstrap.root"}, "first message is not a hello");
    handleHello(c);
  } catch (const Error& e) {
    LCCL_WARN("bootstrap root at %s rejected a connection from %s: %s", where_.c_str(),
              peerName(c.fd.get()).c_str(), e.what());
    c.fd.reset();
  }
}

// Validates a complete Hello; moves the connection into members_ or closes it.
void RootServer::handleHello(Conn& c) {
  Hello h = decodeHello(c.reader.payload());
  if (!secretEqual(h.secret, secret_))
    throw SocketError(ErrorSite{"bootstrap.root"}, "wrong secret");
  if (h.version != kProtocolVersion)
    return rejectHello(c, "protocol version " + std::to_string(h.version) + " (root speaks " +
                              std::to_string(kProtocolVersion) + ")");
  if (h.nranks <= 0 || h.rank < 0 || h.rank >= h.nranks)
    return rejectHello(c, "rank " + std::to_string(h.rank) + " of " + std::to_string(h.nranks) +
                              " is out of range");
  if (nranks_ != 0 && h.nranks != nranks_)
    return rejectHello(c, "rank " + std::to_string(h.rank) + " says there are " +
                              std::to_string(h.nranks) + " ranks, earlier ranks said " +
                              std::to_string(nranks_));
  if (members_.count(h.rank))
    return rejectHello(c, "rank " + std::to_string(h.rank) + " joined twice");
  fromWire(h.listen);  // validates the family
  nranks_ = h.nranks;
  members_[h.rank] = Member{std::move(c.fd), h.listen};
  idleDeadline_ = deadlineAfter(timeout_);
}

void RootServer::rejectHello(Conn& c, const std::string& why) {
  LCCL_WARN("bootstrap root at %s: %s", where_.c_str(), why.c_str());
  Table t{TableStatus::InvalidUsage, "bootstrap root at " + where_ + ": " + why, {}};
  try {
    writeFrame(c.fd.get(), kTagTable, encodeTable(t),
               deadlineAfter(std::min(timeout_, std::chrono::milliseconds(1000))),
               ErrorSite{"bootstrap.root"});
  } catch (const Error&) {
    // the rank is gone already; nothing to tell
  }
  c.fd.reset();
}

void RootServer::sendTables() {
  Table t{TableStatus::Ok, "", {}};
  for (auto& m : members_) t.addrs.push_back(m.second.listen);
  std::vector<char> payload = encodeTable(t);
  Deadline deadline = deadlineAfter(timeout_);
  for (auto& m : members_) {
    try {
      writeFrame(m.second.fd.get(), kTagTable, payload, deadline,
                 ErrorSite{"bootstrap.root", -1, m.first});
    } catch (const Error& e) {
      LCCL_WARN("bootstrap root at %s: %s", where_.c_str(), e.what());
    }
  }
}

void RootServer::replyAll(TableStatus status, const std::string& message) {
  std::vector<char> payload = encodeTable(Table{status, message, {}});
  Deadline deadline = deadlineAfter(std::min(timeout_, std::chrono::milliseconds(1000)));
  for (auto& m : members_) {
    try {
      writeFrame(m.second.fd.get(), kTagTable, payload, deadline, ErrorSite{"bootstrap.root"});
    } catch (const Error&) {
      // best effort: that rank will see EOF or its own timeout
    }
  }
}

std::string RootServer::missingRanks() const {
  if (nranks_ == 0) return "all (no rank joined)";
  std::string out;
  for (int r = 0; r < nranks_; ++r) {
    if (members_.count(r)) continue;
    if (out.size() > 200) return out + ",...";
    out += (out.empty() ? "" : ",") + std::to_string(r);
  }
  return out;
}

// ---- registry of this process's roots ---------------------------------------

struct Entry {
  UniqueId id;
  pid_t pid;  // entries inherited through fork() belong to another process
  std::shared_ptr<RootServer> root;
};

struct Registry {
  std::mutex mu;
  std::vector<Entry> entries;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: root threads may outlive main
  return *r;
}

// Removes (under the lock) this process's entries that match `pred`.
template <class Pred>
std::vector<std::shared_ptr<RootServer>> takeIf(Pred pred) {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  std::vector<std::shared_ptr<RootServer>> out;
  pid_t me = ::getpid();
  auto keep = std::stable_partition(reg.entries.begin(), reg.entries.end(),
                                    [&](const Entry& e) { return e.pid != me || !pred(e); });
  for (auto it = keep; it != reg.entries.end(); ++it) out.push_back(std::move(it->root));
  reg.entries.erase(keep, reg.entries.end());
  return out;
}

}  // namespace

UniqueId startRoot(const SockAddr& bindAddr, SockAddr advertise, const uint8_t* secret,
                   std::chrono::milliseconds timeout) {
  // Join roots that finished on their own so their threads do not accumulate.
  for (auto& r : takeIf([](const Entry& e) { return !e.root->running(); })) r->join();
  Fd listener = listenOn(bindAddr, ErrorSite{"bootstrap.root"});
  advertise.setPort(localAddress(listener.get()).port());
  UniqueId id = makeId(advertise, secret);
  auto root = std::make_shared<RootServer>(std::move(listener), secret, timeout, advertise.str());
  root->start();
  LCCL_INFO("bootstrap root listening on %s", advertise.str().c_str());
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  reg.entries.push_back(Entry{id, ::getpid(), std::move(root)});
  return id;
}

void finishLocalRoot(const UniqueId& id, bool abort) {
  for (auto& r : takeIf([&](const Entry& e) { return sameId(e.id, id); })) {
    if (abort) r->stop();
    r->join();
  }
}

int runningLocalRoots() {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  pid_t me = ::getpid();
  return static_cast<int>(
      std::count_if(reg.entries.begin(), reg.entries.end(),
                    [&](const Entry& e) { return e.pid == me && e.root->running(); }));
}

}  // namespace lccl::boot
