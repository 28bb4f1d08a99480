// Daemon configuration: defaults, the TOML file, and command-line overrides.
// Built once on the main thread before anything starts; read-only after.
#ifndef KAFKA_SIDECAR_DAEMON_CONFIG_H_
#define KAFKA_SIDECAR_DAEMON_CONFIG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "access_rules.h"
#include "status.h"

namespace kafka_sidecar {

inline constexpr char kDefaultSocketPath[] =
    "/run/kafka-sidecar/kafka-sidecar.sock";

struct Config {
  std::string socket_path = kDefaultSocketPath;
  uint32_t socket_mode = 0660;
  std::string log_level = "info";
  // librdkafka properties in the order given; later entries win.
  std::vector<std::pair<std::string, std::string>> kafka;
  // --dev: run an embedded mock cluster with this many brokers.
  bool dev = false;
  int dev_brokers = 3;
  // Limits (see README "Configuration").
  uint32_t max_frame_bytes = 4 << 20;
  uint32_t max_records_per_request = 100000;
  // A connection stops being read while this many records of it are in
  // flight, or this many response bytes wait to be written to it.
  uint32_t max_inflight_records_per_connection = 200000;
  // ...or requests of this many bytes (frames) are in flight.
  uint32_t max_inflight_bytes_per_connection = 64 << 20;
  uint32_t max_pending_output_bytes = 8 << 20;
  // SIGTERM: how long to wait for Kafka before failing what is left.
  uint32_t shutdown_timeout_ms = 10000;
  // The file named by --config, re-read on SIGHUP; empty if none.
  std::string config_file;
  // [access]: who may connect and which topics each peer may write.
  AccessRules access;
  // Prometheus endpoint, "HOST:PORT" or "PORT" (then 127.0.0.1); empty: off.
  std::string metrics_listen;
};

// Sets `key` = `value` for librdkafka (replacing an earlier value).
void SetKafkaProperty(Config* config, const std::string& key,
                      const std::string& value);

// Reads a TOML file into `config`. Unknown keys and wrong types are errors
// that name the key.
Status LoadConfigFile(const std::string& path, Config* config);

// Parses the command line (which overrides the file named by --config).
// Returns an error for bad flags; `*exit_now` is set for --help/--version,
// whose text is in the status message.
Result<Config> ParseCommandLine(int argc, const char* const* argv,
                                bool* exit_now);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_CONFIG_H_
