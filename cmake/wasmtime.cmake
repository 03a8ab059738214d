# The WebAssembly runtime (wasmtime's C API), installed by scripts/setup-wasm
# into ~/.cache/ember/wasmtime-<version>/ (lib/libwasmtime.so from the PyPI
# wheel, include/ from the crates.io crate with a conf.h generated to match).
# When it is absent Ember builds without WASM UDFs (EMBER_HAVE_WASM unset):
# using one then fails with UNSUPPORTED_FEATURE and the WASM tests skip.
#
# The header and library versions must agree: the header's WASMTIME_VERSION
# is compared with the version the library prints in its bug-report text
# ("version: X.Y.Z"), and a mismatch stops the configure step.
set(EMBER_WASMTIME_VERSION 50.0.0)
if(DEFINED ENV{EMBER_WASM_CACHE})
  set(_em_wasm_root "$ENV{EMBER_WASM_CACHE}")
else()
  set(_em_wasm_root "$ENV{HOME}/.cache/ember")
endif()
set(EMBER_WASMTIME_DIR "${_em_wasm_root}/wasmtime-${EMBER_WASMTIME_VERSION}" CACHE PATH
    "wasmtime C API (lib/libwasmtime.so + include/), from scripts/setup-wasm")
option(EMBER_WASM "Build WebAssembly UDF support when the wasmtime runtime is installed" ON)

set(EMBER_HAVE_WASM OFF)
if(EMBER_WASM AND EXISTS "${EMBER_WASMTIME_DIR}/lib/libwasmtime.so"
   AND EXISTS "${EMBER_WASMTIME_DIR}/include/wasmtime/conf.h")
  file(STRINGS "${EMBER_WASMTIME_DIR}/include/wasmtime.h" _em_hv REGEX "^#define WASMTIME_VERSION \"")
  string(REGEX REPLACE ".*\"(.*)\".*" "\\1" _em_hv "${_em_hv}")
  if(NOT _em_wasm_lib_version_of STREQUAL "${EMBER_WASMTIME_DIR}/lib/libwasmtime.so")
    file(STRINGS "${EMBER_WASMTIME_DIR}/lib/libwasmtime.so" _em_lv REGEX "^version: [0-9]+\\.[0-9]+\\.[0-9]+$")
    set(_em_wasm_lib_version "${_em_lv}" CACHE INTERNAL "")
    set(_em_wasm_lib_version_of "${EMBER_WASMTIME_DIR}/lib/libwasmtime.so" CACHE INTERNAL "")
  endif()
  string(REGEX REPLACE "^version: " "" _em_lv "${_em_wasm_lib_version}")
  if(NOT _em_lv)
    message(FATAL_ERROR "wasmtime: cannot find the version of ${EMBER_WASMTIME_DIR}/lib/libwasmtime.so")
  endif()
  if(NOT _em_lv STREQUAL _em_hv)
    message(FATAL_ERROR "wasmtime: headers are ${_em_hv} but the library is ${_em_lv} "
            "(${EMBER_WASMTIME_DIR}); rerun scripts/setup-wasm")
  endif()
  add_library(em_wasmtime SHARED IMPORTED)
  # The wheel's library has no SONAME: link it by name (-lwasmtime) so the
  # binary records "libwasmtime.so", found through the RUNPATH below.
  set_target_properties(em_wasmtime PROPERTIES
    IMPORTED_LOCATION "${EMBER_WASMTIME_DIR}/lib/libwasmtime.so"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${EMBER_WASMTIME_DIR}/include")
  set(EMBER_HAVE_WASM ON)
  message(STATUS "wasmtime ${_em_lv}: WebAssembly UDFs enabled (${EMBER_WASMTIME_DIR})")
else()
  message(STATUS "wasmtime disabled or not found in ${EMBER_WASMTIME_DIR}: building WITHOUT WebAssembly UDFs "
          "(scripts/setup-wasm installs it)")
endif()

# Links the runtime into `target` (a no-op without it) with an rpath to it.
function(ember_link_wasmtime target)
  if(EMBER_HAVE_WASM)
    target_link_libraries(${target} PUBLIC em_wasmtime)
    target_compile_definitions(${target} PUBLIC EMBER_HAVE_WASM=1)
  endif()
endfunction()
