# Compiles one pack file with `inferwatch rules compile`, points a copy of its unit-test file at
# the compiled rules, and runs `promtool test rules` on the copy.
# Inputs: INFERWATCH, PROMTOOL, PACK_FILE, TEST_FILE, WORK_DIR.
get_filename_component(pack_name ${PACK_FILE} NAME_WE)
file(MAKE_DIRECTORY ${WORK_DIR})
set(compiled ${WORK_DIR}/${pack_name}.compiled.yml)
set(test_copy ${WORK_DIR}/${pack_name}_test.yml)

execute_process(COMMAND ${INFERWATCH} rules compile ${PACK_FILE}
  OUTPUT_FILE ${compiled} ERROR_VARIABLE compile_errors RESULT_VARIABLE compile_status)
if(NOT compile_status EQUAL 0)
  message(FATAL_ERROR "inferwatch rules compile ${PACK_FILE} failed (${compile_status}):\n${compile_errors}")
endif()

file(READ ${TEST_FILE} test_text)
get_filename_component(pack_file_name ${PACK_FILE} NAME)
string(REGEX REPLACE "[^\n ]*rules/pack/${pack_file_name}" "${compiled}" test_text "${test_text}")
file(WRITE ${test_copy} "${test_text}")

execute_process(COMMAND ${PROMTOOL} test rules ${test_copy}
  OUTPUT_VARIABLE promtool_output ERROR_VARIABLE promtool_output RESULT_VARIABLE promtool_status)
message("${promtool_output}")
if(NOT promtool_status EQUAL 0)
  message(FATAL_ERROR "promtool test rules ${test_copy} failed (${promtool_status})")
endif()
