// Bootstrap::sendBytes / recvBytes: a variable-size message is two messages
// with the same tag, the size (uint64) and then the bytes.
#include "lccl/bootstrap.hpp"

#include <cstdint>

#include "lccl/errors.hpp"

namespace lccl {

void Bootstrap::sendBytes(const std::vector<char>& data, int peer, int tag) {
  uint64_t n = data.size();
  send(&n, sizeof(n), peer, tag);
  if (n > 0) send(data.data(), data.size(), peer, tag);
}

std::vector<char> Bootstrap::recvBytes(int peer, int tag, size_t maxBytes) {
  uint64_t n = 0;
  recv(&n, sizeof(n), peer, tag);
  if (n > maxBytes)
    throw SocketError(ErrorSite{"bootstrap.recvBytes", rank(), peer},
                      "peer announced " + std::to_string(n) + " bytes with tag " +
                          std::to_string(tag) + ", more than the limit of " +
                          std::to_string(maxBytes));
  std::vector<char> out(n);
  if (n > 0) recv(out.data(), out.size(), peer, tag);
  return out;
}

}  // namespace lccl
