#include "ping_command.h"

#include <chrono>

namespace kafka_sidecar::cli {

void PrintPingInfo(const PingInfo& info, std::FILE* out) {
  const double uptime_s = std::chrono::duration<double>(info.uptime).count();
  // Broker states arrive with librdkafka's first statistics, a second or so
  // after the daemon starts.
  char brokers[64] = "broker states not reported yet";
  if (info.brokers_total > 0) {
    std::snprintf(brokers, sizeof(brokers), "%u/%u brokers up", info.brokers_up,
                  info.brokers_total);
  }
  std::fprintf(out,
               "daemon:      kafka-sidecard %s (protocol %u)\n"
               "kafka:       %s (%s)\n"
               "in flight:   %llu records\n"
               "connections: %u\n"
               "uptime:      %.1f s\n",
               info.daemon_version.c_str(), info.protocol_version,
               info.kafka_reachable ? "reachable" : "UNREACHABLE", brokers,
               static_cast<unsigned long long>(info.in_flight_records),
               info.connections, uptime_s);
}

int RunPing(const ClientOptions& options, std::FILE* out, std::FILE* err) {
  Client client(options);
  Result<PingInfo> ping = client.Ping();
  if (!ping.ok()) {
    std::fprintf(err, "kafka-sidecar ping: %s\n",
                 ping.error().ToString().c_str());
    return 1;
  }
  PrintPingInfo(*ping, out);
  if (!ping->kafka_reachable) {
    std::fprintf(err,
                 "kafka-sidecar ping: the daemon at %s is serving, but no "
                 "Kafka broker is reachable\n",
                 options.socket_path.c_str());
    return 1;
  }
  return 0;
}

}  // namespace kafka_sidecar::cli
