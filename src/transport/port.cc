// connectPort(): picks and connects a proxy-driven transport to one peer.
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>

#include "ib/ib_transport.hpp"
#include "lccl/communicator.hpp"
#include "lccl/env.hpp"
#include "lccl/errors.hpp"
#include "lccl/logging.hpp"
#include "lccl/proxy.hpp"
#include "tcp/tcp_transport.hpp"

namespace lccl {
namespace {

// Whether this rank can open an IB port now (no side effects beyond probing).
bool ibUsableHere(std::string& why) {
  if (Env::instance().flag("LCCL_IB_DISABLE")) {
    why = "LCCL_IB_DISABLE=1";
    return false;
  }
  try {
    ibv_device** list = nullptr;
    const detail::IbVerbs* verbs = detail::ibVerbs();
    detail::selectIbPort(verbs, detail::parseHcaSpec(Env::instance().str("LCCL_IB_HCA")), &list);
    verbs->freeDeviceList(list);
    return true;
  } catch (const Error& e) {
    why = e.what();
    return false;
  }
}

// Both ranks of the pair must agree: IB only when both sides have it.
bool agreeOnIb(Bootstrap& b, int peer, bool mine) {
  const char me = mine ? 1 : 0;
  b.sendBytes(std::vector<char>{me}, peer, kPortBootstrapTag + 1);
  const std::vector<char> theirs = b.recvBytes(peer, kPortBootstrapTag + 1, 1);
  if (theirs.size() != 1)
    throw SocketError(ErrorSite{"connectPort", b.rank(), peer}, "malformed transport vote");
  return mine && theirs[0] == 1;
}

// Port channels without InfiniBand work over TCP: say so once per process
// (a warning: TCP is far slower), then per connection at INFO level.
void warnTcpFallbackOnce(int rank, int peer, const std::string& why) {
  static std::once_flag once;
  std::call_once(once, [&] {
    LCCL_WARN("port channels over tcp, not InfiniBand: %s (set LCCL_TRANSPORT=tcp to silence)",
              why.c_str());
  });
  LCCL_INFO("port from rank %d to rank %d over tcp (%s)", rank, peer, why.c_str());
}

std::chrono::milliseconds portTimeout() {
  return std::chrono::milliseconds(Env::instance().integer("LCCL_PORT_TIMEOUT_MS"));
}

}  // namespace

std::shared_ptr<PortTransport> connectPort(Communicator& comm, int peer,
                                           const std::string& transportName) {
  const ErrorSite site{"connectPort", comm.rank(), peer};
  if (peer < 0 || peer >= comm.size() || peer == comm.rank())
    throw InvalidArgumentError(site, "peer out of range or self");
  Bootstrap& b = comm.bootstrap();
  const int tag = kPortBootstrapTag;
  if (transportName == "tcp") return detail::connectTcpPort(b, peer, tag, portTimeout());
  if (transportName != "ib" && transportName != "auto" && !transportName.empty())
    throw InvalidArgumentError(site, "'" + transportName + "' is not a port transport (tcp, ib)");
  std::string why;
  const bool mine = ibUsableHere(why);
  if (agreeOnIb(b, peer, mine)) return detail::connectIbPort(b, peer, tag, portTimeout());
  if (transportName == "ib")
    LCCL_WARN("LCCL_TRANSPORT=ib but rank %d or %d cannot use InfiniBand (%s): using tcp",
              comm.rank(), peer, mine ? "peer side" : why.c_str());
  else
    warnTcpFallbackOnce(comm.rank(), peer, mine ? "the peer has no usable InfiniBand device" : why);
  return detail::connectTcpPort(b, peer, tag, portTimeout());
}

}  // namespace lccl
