# Fails when a binary exports an ITT name or our runtime's private names (itt-abi.md pitfall 12).
# Usage: cmake -DNM=<nm> -DBINARY=<file> -P check_exports.cmake
execute_process(COMMAND ${NM} -D --defined-only ${BINARY} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${BINARY}")
endif()
string(REGEX MATCHALL "[^\n]*(__itt|pyitt)[^\n]*" leaked "${symbols}")
if(leaked)
  string(REPLACE ";" "\n" leaked "${leaked}")
  message(FATAL_ERROR "${BINARY} exports ITT or runtime symbols:\n${leaked}")
endif()
message(STATUS "${BINARY}: no ITT symbol exported")
