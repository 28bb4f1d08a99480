# Operations tests (issue 5): access rules, metrics, systemd, status.
add_library(ops_test_support STATIC ops_util.cc)
target_link_libraries(ops_test_support PUBLIC test_support)
target_compile_options(ops_test_support PRIVATE ${KS_WARNINGS})

# A protocol client the access tests run as another user.
add_executable(ops_probe ops_probe_main.cc)
target_link_libraries(ops_probe PRIVATE test_support)
target_compile_options(ops_probe PRIVATE ${KS_WARNINGS})

function(ks_ops_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE ops_test_support GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${KS_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    KS_PROBE_BIN="$<TARGET_FILE:ops_probe>"
    KS_DAEMON_BIN="$<TARGET_FILE:kafka-sidecard>"
    KS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KS_BINARY_DIR="${PROJECT_BINARY_DIR}"
    KS_INSTALL_PREFIX="${CMAKE_INSTALL_PREFIX}"
    KS_CONFIG_DIR="${KS_CONFIG_DIR}")
  add_dependencies(${name} ops_probe kafka-sidecard)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

ks_ops_test(ops_access_test ops_access_test.cc)
ks_ops_test(ops_metrics_test ops_metrics_test.cc)
ks_ops_test(ops_systemd_test ops_systemd_test.cc)
ks_ops_test(ops_status_test ops_status_test.cc)
target_link_libraries(ops_status_test PRIVATE kafka_sidecar_status)
# The real CLI binary, to check that `status` is registered.
target_compile_definitions(ops_status_test PRIVATE
  KS_CLI_BIN="$<TARGET_FILE:kafka_sidecar_cli_main>")
add_dependencies(ops_status_test kafka_sidecar_cli_main)
