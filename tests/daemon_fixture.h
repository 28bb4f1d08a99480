// Runs a real kafka-sidecard in-process (its own loop thread) against an
// in-process librdkafka mock cluster, on a socket in a fresh temp dir.
#ifndef KAFKA_SIDECAR_TESTS_DAEMON_FIXTURE_H_
#define KAFKA_SIDECAR_TESTS_DAEMON_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "config.h"
#include "daemon.h"
#include "mock_cluster.h"

namespace kafka_sidecar::testing {

// A unique, empty temp directory removed (with its content) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Override to adjust the configuration before the daemon starts.
  virtual void Configure(Config* config) {}
  // Starts the daemon (SetUp does this unless start_in_setup_ is false).
  void StartDaemon();
  // Graceful shutdown; returns Run()'s exit code.
  int StopDaemon();

  std::string socket_path() const { return config_.socket_path; }
  std::string bootstrap() const { return cluster_->bootstrap(); }
  // Counters are loop-thread state: read them only after StopDaemon().
  const Counters& counters() const;

  bool start_in_setup_ = true;
  TempDir dir_;
  Config config_;
  std::unique_ptr<MockCluster> cluster_;
  std::unique_ptr<Daemon> daemon_;
  std::thread loop_thread_;
  int exit_code_ = -1;
};

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_TESTS_DAEMON_FIXTURE_H_
