// The daemon as a whole: loop, producer, server, signals, and the order in
// which they start and stop. main() is this plus flag parsing; tests run it
// in-process on a thread of their own.
//
// Create() and Run() on one thread (the loop thread); RequestShutdown()
// from any thread.
#ifndef KAFKA_SIDECAR_DAEMON_DAEMON_H_
#define KAFKA_SIDECAR_DAEMON_DAEMON_H_

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "ack_queue.h"
#include "config.h"
#include "mock_cluster.h"
#include "operations.h"
#include "producer.h"
#include "server.h"
#include "status.h"

namespace kafka_sidecar {

class Daemon {
 public:
  // Builds everything and starts listening; the socket is connectable when
  // this returns. Kafka need not be reachable.
  static Result<std::unique_ptr<Daemon>> Create(Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Serves until a shutdown completes. Returns the process exit code.
  int Run();
  // Graceful shutdown, as on SIGTERM. Thread-safe.
  void RequestShutdown();

  // --dev: the embedded cluster's bootstrap servers; empty otherwise.
  std::string dev_bootstrap() const;
  const Config& config() const { return config_; }
  // Loop-thread state: read only from the loop or after Run() returned.
  const Counters& counters() const { return server_->counters(); }
  MockCluster* dev_cluster() { return mock_.get(); }
  // systemd, metrics, reloads; loop thread after Run() started.
  Operations& operations() { return *ops_; }

 private:
  explicit Daemon(Config config) : config_(std::move(config)) {}
  Status Init();
  void OnShutdownDone();
  void CloseOwnHandles();

  Config config_;
  uv_loop_t loop_;
  bool loop_ready_ = false;
  AckQueue acks_;
  std::vector<Ack> scratch_;  // loop thread
  uv_async_t ack_async_;
  uv_async_t stop_async_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  std::unique_ptr<MockCluster> mock_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Operations> ops_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_DAEMON_H_
