# `kafka-sidecar status` (operations): talks to the daemon with the raw
# frame codec and the StatusRequest, so it links sidecar_proto directly.
add_library(kafka_sidecar_status STATIC ${CMAKE_CURRENT_LIST_DIR}/status_command.cc)
target_include_directories(kafka_sidecar_status PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(kafka_sidecar_status PUBLIC sidecar_proto)
target_compile_options(kafka_sidecar_status PRIVATE ${KS_WARNINGS})
