# Writes OUT defining nfb::kNfBenchVersion from `git describe` of SRC; run at
# every build, it rewrites OUT only when the version changed (no rebuild
# otherwise).
execute_process(
  COMMAND git describe --always --dirty
  WORKING_DIRECTORY ${SRC}
  OUTPUT_VARIABLE version
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET
  RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR version STREQUAL "")
  set(version "unknown")
endif()
set(text "// Written by benchmarks/version.cmake at build time.\n#include \"version.h\"\nconst char *const nfb::kNfBenchVersion = \"${version}\";\n")
set(old "")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
