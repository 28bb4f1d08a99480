// Helpers for the operations tests: a blocking HTTP/1.1 client for the
// metrics endpoint, a Prometheus text reader, and running a command with
// its output captured. One thread at a time.
#ifndef KAFKA_SIDECAR_TESTS_OPS_UTIL_H_
#define KAFKA_SIDECAR_TESTS_OPS_UTIL_H_

#include <optional>
#include <string>
#include <vector>

namespace kafka_sidecar::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused or closed)
  std::string headers;
  std::string body;
};

// Sends `raw` to 127.0.0.1:port and reads until the server closes.
// A TCP connection to 127.0.0.1:port, or -1.
int ConnectLoopback(int port);

HttpReply HttpExchange(int port, const std::string& raw,
                       int timeout_ms = 10000);
HttpReply HttpGet(int port, const std::string& path);

// The value of the sample named exactly `series` (e.g.
// `kafka_sidecar_records_total{outcome="delivered",ack="delivered"}`).
std::optional<double> MetricValue(const std::string& text,
                                  const std::string& series);

struct CommandResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (searched in PATH) and waits for it.
CommandResult RunCommand(const std::vector<std::string>& argv);

// True when `program` is found in PATH.
bool HaveProgram(const std::string& program);

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_TESTS_OPS_UTIL_H_
