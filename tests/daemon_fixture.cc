#include "daemon_fixture.h"

#include <stdlib.h>

#include <filesystem>

namespace kafka_sidecar::testing {

TempDir::TempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "ks-test-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void DaemonTest::SetUp() {
  auto cluster = MockCluster::Create(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status().message();
  cluster_ = std::move(cluster.value());
  config_.socket_path = dir_.path() + "/sidecar.sock";
  config_.shutdown_timeout_ms = 5000;
  SetKafkaProperty(&config_, "bootstrap.servers", cluster_->bootstrap());
  Configure(&config_);
  if (start_in_setup_) StartDaemon();
}

void DaemonTest::StartDaemon() {
  auto daemon = Daemon::Create(config_);
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  daemon_ = std::move(daemon.value());
  loop_thread_ = std::thread([this] { exit_code_ = daemon_->Run(); });
}

int DaemonTest::StopDaemon() {
  if (loop_thread_.joinable()) {
    daemon_->RequestShutdown();
    loop_thread_.join();
  }
  return exit_code_;
}

void DaemonTest::TearDown() {
  if (daemon_) {
    EXPECT_EQ(StopDaemon(), 0) << "the loop did not close every handle";
    daemon_.reset();
  }
  cluster_.reset();
}

const Counters& DaemonTest::counters() const { return daemon_->counters(); }

}  // namespace kafka_sidecar::testing
