# `kafka-sidecar status` (operations): a library the CLI and the tests link.
add_library(kafka_sidecar_status STATIC ${CMAKE_CURRENT_LIST_DIR}/status_command.cc)
target_include_directories(kafka_sidecar_status PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(kafka_sidecar_status PUBLIC sidecar_proto)
target_compile_options(kafka_sidecar_status PRIVATE ${KS_WARNINGS})

# Until the full CLI (cli/main.cc) is in the tree, a stand-in main serves
# `kafka-sidecar status` under the CLI's name.
if(NOT EXISTS ${CMAKE_CURRENT_LIST_DIR}/main.cc)
  add_executable(kafka_sidecar_status_main ${CMAKE_CURRENT_LIST_DIR}/status_main.cc)
  target_link_libraries(kafka_sidecar_status_main PRIVATE kafka_sidecar_status)
  target_compile_options(kafka_sidecar_status_main PRIVATE ${KS_WARNINGS})
  set_target_properties(kafka_sidecar_status_main PROPERTIES
    OUTPUT_NAME kafka-sidecar RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/client/cli)
  install(TARGETS kafka_sidecar_status_main RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
