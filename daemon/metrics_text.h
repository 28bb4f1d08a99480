// Renders the daemon's figures in the Prometheus text exposition format
// (version 0.0.4). Pure function of a snapshot; loop thread.
#ifndef KAFKA_SIDECAR_DAEMON_METRICS_TEXT_H_
#define KAFKA_SIDECAR_DAEMON_METRICS_TEXT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "counters.h"
#include "kafka_stats.h"
#include "metrics.h"

namespace kafka_sidecar {

struct MetricsView {
  const Counters* counters = nullptr;
  const OpsMetrics* ops = nullptr;
  uint64_t connections = 0;
  uint64_t pending_requests = 0;
  uint64_t inflight_records = 0;  // DELIVERED records clients wait for
  int64_t producer_queue = 0;     // rd_kafka_outq_len, live
  uint32_t brokers_up = 0;
  uint32_t brokers_total = 0;
  double uptime_seconds = 0;
  bool shutting_down = false;
  std::shared_ptr<const KafkaStats> kafka;  // may be null
};

inline constexpr char kPrometheusContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheus(const MetricsView& view);

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabel(const std::string& value);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_METRICS_TEXT_H_
