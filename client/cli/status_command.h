// `kafka-sidecar status`: the daemon's own health report in a few lines, and
// an exit status for health checks: 0 healthy, 1 unhealthy or unreachable.
// Speaks the wire protocol directly (frame codec + StatusRequest), so it
// needs nothing but the socket.
#ifndef KAFKA_SIDECAR_CLIENT_CLI_STATUS_COMMAND_H_
#define KAFKA_SIDECAR_CLIENT_CLI_STATUS_COMMAND_H_

#include <cstdio>
#include <optional>
#include <string>

#include "sidecar.pb.h"

namespace kafka_sidecar::cli {

struct StatusOptions {
  std::string socket_path;
  int timeout_ms = 5000;
};

// Asks the daemon; on failure returns nullopt and says why in `*error`.
std::optional<v1::StatusResponse> FetchStatus(const StatusOptions& options,
                                              std::string* error);

// The human summary of `status`.
void PrintStatus(const v1::StatusResponse& status, const std::string& socket,
                 std::FILE* out);

// The whole command: fetch, print, exit status.
int RunStatus(const StatusOptions& options, std::FILE* out, std::FILE* err);

}  // namespace kafka_sidecar::cli

#endif  // KAFKA_SIDECAR_CLIENT_CLI_STATUS_COMMAND_H_
