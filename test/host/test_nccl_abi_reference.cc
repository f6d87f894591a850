// NVIDIA's nccl.h, where installed, seen through the same ABI probe as lccl's
// (test_nccl_abi.cc). This is the only file that includes the reference header.
#if defined(LCCL_NCCL_REFERENCE_HEADER) && __has_include(LCCL_NCCL_REFERENCE_HEADER)
#include LCCL_NCCL_REFERENCE_HEADER
#define LCCL_HAVE_REFERENCE_NCCL 1
#endif

#include "test_nccl_abi.hpp"

namespace lccl_test {

bool referenceNcclAbi(NcclAbi* out) {
#ifdef LCCL_HAVE_REFERENCE_NCCL
  NcclAbi& abi = *out;
  LCCL_NCCL_ABI_COLLECT(abi);
  return true;
#else
  return false;
#endif
}

}  // namespace lccl_test
