// lccl/version.hpp
#pragma once
#define LCCL_VERSION_MAJOR 0
#define LCCL_VERSION_MINOR 1
#define LCCL_VERSION_PATCH 0
#define LCCL_VERSION_STRING "0.1.0"
