// lccl/mpi_bootstrap.hpp — build a TcpBootstrap from an MPI communicator.
//
// Header-only so that lccl itself does not link MPI: include it after <mpi.h>
// in a program that does. Rank 0 of `comm` creates the id and broadcasts it.
#pragma once

#include <mpi.h>

#include <memory>

#include "lccl/bootstrap.hpp"

namespace lccl {

inline std::unique_ptr<TcpBootstrap> mpiBootstrap(MPI_Comm comm) {
  int rank = 0, size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  UniqueId id{};
  if (rank == 0) id = TcpBootstrap::createUniqueId();
  MPI_Bcast(id.bytes, static_cast<int>(UniqueId::kBytes), MPI_BYTE, 0, comm);
  return std::make_unique<TcpBootstrap>(rank, size, id);
}

}  // namespace lccl
