# Helpers shared by every layer's CMakeLists.

set(LCCL_WARNINGS -Wall -Wextra -Wno-unused-parameter)
if(LCCL_WERROR)
  list(APPEND LCCL_WARNINGS -Werror)
endif()

# lccl_layer(NAME SOURCES ... INCLUDE dir DEPENDS targets...)
# Creates the static library lccl_NAME with alias lccl::NAME. INCLUDE is the
# layer's public include root; DEPENDS are the layers below it.
function(lccl_layer name)
  cmake_parse_arguments(L "" "INCLUDE" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  if(L_SOURCES)
    add_library(lccl_${name} STATIC ${L_SOURCES})
    target_include_directories(lccl_${name} PUBLIC ${L_INCLUDE})
    target_link_libraries(lccl_${name} PUBLIC ${L_DEPENDS} PRIVATE ${L_PRIVATE_DEPENDS})
    target_compile_options(lccl_${name} PRIVATE
      $<$<COMPILE_LANGUAGE:CXX>:${LCCL_WARNINGS}>
      $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-Wall>)
  else()
    add_library(lccl_${name} INTERFACE)
    target_include_directories(lccl_${name} INTERFACE ${L_INCLUDE})
    target_link_libraries(lccl_${name} INTERFACE ${L_DEPENDS})
  endif()
  add_library(lccl::${name} ALIAS lccl_${name})
endfunction()

# lccl_executable(NAME SOURCES ... LIBS ...): a program in build/bin.
function(lccl_executable name)
  cmake_parse_arguments(E "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${E_SOURCES})
  target_link_libraries(${name} PRIVATE ${E_LIBS})
  target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${LCCL_WARNINGS}>
                                         $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>)
endfunction()
