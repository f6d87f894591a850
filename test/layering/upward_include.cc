// Compiled twice by the layering tests: against lccl::transport it must fail
// (a transport-layer file cannot see the primitives layer's headers), and
// against lccl::primitives it must succeed (the control).
#include "lccl/primitives/memory_channel.hpp"

int lcclLayeringProbe() { return 0; }
