# Our code compiles with -Wall -Wextra -Werror; third-party headers come in as SYSTEM includes.
add_library(acgs_warnings INTERFACE)
target_compile_options(acgs_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror>)

# acgs_library(name SOURCES ... [DEPS ...]): a static library of our own code rooted at src/.
function(acgs_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE acgs_warnings)
endfunction()

# acgs_test(name SOURCES ... [DEPS ...] [LABELS ...]): a GoogleTest executable registered with ctest.
# Label "slow" = excluded from the sanitizer run; "oracle" = needs an oracle (npm/python) installed.
function(acgs_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main acgs_warnings)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "ACGS_SOURCE_DIR=${PROJECT_SOURCE_DIR};ACGS_BINARY_DIR=${PROJECT_BINARY_DIR}"
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# Every subdirectory of `parent` listed in `dirs` that has a CMakeLists.txt.
function(acgs_add_subdirs)
  foreach(dir ${ARGN})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()

# Under ASan/UBSan instrumentation GCC 12's -Wmaybe-uninitialized fires inside libstdc++'s own std::regex (a
# false positive the uninstrumented build does not show). Targets that compile <regex> keep the warning but
# not as an error in that build only; the Release build still holds all our code to it.
function(acgs_uses_std_regex target)
  if(ACGS_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized)
  endif()
endfunction()
