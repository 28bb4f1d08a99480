// `kafka-sidecar ping`: the daemon's health in a few lines. Exit 0 when the
// daemon answers and reaches Kafka, 1 otherwise, saying which part failed:
// "serving the socket" and "Kafka reachable" are different facts.
#ifndef KAFKA_SIDECAR_CLIENT_CLI_PING_COMMAND_H_
#define KAFKA_SIDECAR_CLIENT_CLI_PING_COMMAND_H_

#include <cstdio>

#include "kafka_sidecar/client.h"

namespace kafka_sidecar::cli {

int RunPing(const ClientOptions& options, std::FILE* out, std::FILE* err);

// The report RunPing prints for a daemon that answered.
void PrintPingInfo(const PingInfo& info, std::FILE* out);

}  // namespace kafka_sidecar::cli

#endif  // KAFKA_SIDECAR_CLIENT_CLI_PING_COMMAND_H_
