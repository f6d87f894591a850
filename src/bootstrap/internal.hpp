// src/bootstrap/internal.hpp — testable entry points of the TCP bootstrap
// (private; the public API in lccl/bootstrap.hpp forwards to these).
#pragma once

#include <chrono>
#include <memory>

#include "lccl/bootstrap.hpp"
#include "lccl/env.hpp"

namespace lccl::boot {

// TcpBootstrap::fromEnv() reading `env` instead of the process environment.
std::unique_ptr<TcpBootstrap> bootstrapFromEnv(const Env& env);
// TcpBootstrap::createUniqueId() with the root's idle bound given explicitly
// and the interface chosen by `ifnamePrefix` (LCCL_SOCKET_IFNAME semantics).
UniqueId createUniqueId(std::chrono::milliseconds rootTimeout, const std::string& ifnamePrefix);
// uniqueIdFromAddress() with the root's idle bound given explicitly.
UniqueId uniqueIdFromAddress(const std::string& hostPort, const std::string& secretHex,
                             bool startRoot, std::chrono::milliseconds rootTimeout);
// LCCL_BOOTSTRAP_TIMEOUT_MS of `env`, validated (> 0).
std::chrono::milliseconds envTimeout(const Env& env);

}  // namespace lccl::boot
