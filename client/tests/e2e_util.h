// Helpers shared by the end-to-end tests of the client against a real
// kafka-sidecard child process (DaemonProcess).
#ifndef KAFKA_SIDECAR_CLIENT_TESTS_E2E_UTIL_H_
#define KAFKA_SIDECAR_CLIENT_TESTS_E2E_UTIL_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon_process.h"
#include "kafka_sidecar/client.h"

namespace kafka_sidecar::testing {

// Client options for the daemon at `socket_path`, with timeouts short
// enough that a hang fails the test instead of stalling it.
ClientOptions TestClientOptions(const std::string& socket_path);

// Lines "key|value size|value|headers" of every record in `topic`, read
// independently of the sidecar with kcat (-1 and NULL for a null value).
std::vector<std::string> ReadBack(const std::string& bootstrap,
                                  const std::string& topic);

// What a run of the real `kafka-sidecar` binary left behind.
struct CliRun {
  bool exited = false;  // normally, with exit_code
  int exit_code = -1;
  std::string errors;  // its stderr
};

// Runs `kafka-sidecar <args>` (args as a shell word list) with `lines`
// piped to its stdin, one per line.
CliRun RunCli(const std::string& args, const std::vector<std::string>& lines);

// A suite sharing one daemon: a suite that needs daemon flags defines its
// own SetUpTestSuite() calling StartDaemon(flags). Suites run one at a time,
// so one pointer serves them all.
class SharedDaemonTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() { StartDaemon({}); }
  static void TearDownTestSuite();

 protected:
  static void StartDaemon(std::vector<std::string> extra_args);
  void SetUp() override;

  static DaemonProcess* daemon_;
};

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_CLIENT_TESTS_E2E_UTIL_H_
