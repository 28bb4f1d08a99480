// The daemon's operational surface, wired around the Server: socket
// activation, systemd notifications and watchdog, SIGHUP reloads, the
// Prometheus endpoint, rates and the health verdict for status requests.
//
// Loop thread only (Listen() runs on the thread that creates the Daemon,
// before the loop runs).
#ifndef KAFKA_SIDECAR_DAEMON_OPERATIONS_H_
#define KAFKA_SIDECAR_DAEMON_OPERATIONS_H_

#include <uv.h>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "http_server.h"
#include "metrics_text.h"
#include "producer.h"
#include "server.h"
#include "systemd_notify.h"

namespace kafka_sidecar {

class Operations {
 public:
  Operations(uv_loop_t* loop, Config& config, Server& server,
             Producer& producer);
  Operations(const Operations&) = delete;
  Operations& operator=(const Operations&) = delete;

  // Serves the socket systemd passed, or binds config.socket_path.
  Status Listen();
  // Metrics endpoint, SIGHUP, the periodic tick. After Listen().
  Status Start();
  // The loop is about to run: READY=1, watchdog.
  void OnRunning();
  // Shutdown began: STOPPING=1.
  void OnStopping();
  void Close();

  // SIGHUP: re-reads the access rules and log level from the config file.
  // Connections stay open.
  Status Reload();

  MetricsView View() const;
  HttpResponse HandleHttp(const std::string& method, const std::string& path);
  // Why the daemon is not healthy; empty when it is.
  std::vector<std::string> Problems() const;
  int metrics_port() const { return http_ ? http_->port() : 0; }

 private:
  struct Sample {
    std::chrono::steady_clock::time_point at;
    uint64_t delivered, failed;
  };
  void Tick();
  void FillStatus(v1::StatusResponse* out) const;
  std::string StatusLine() const;
  // Delivered and failed records per second over the rate window.
  std::pair<double, double> Rates(uint32_t* window_ms) const;

  uv_loop_t* loop_;
  Config& config_;
  Server& server_;
  Producer& producer_;
  const std::chrono::steady_clock::time_point started_;
  SystemdNotifier systemd_;
  std::unique_ptr<HttpServer> http_;
  uv_signal_t sighup_;
  uv_timer_t tick_;
  std::deque<Sample> samples_;
  uint64_t ticks_ = 0;
  bool closed_ = false;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_OPERATIONS_H_
