// Operational figures beyond Counters: records and requests by outcome and
// ack mode, ack latency, delivery errors by Kafka error name, denials.
// Loop thread only; rendered by metrics_text.h.
#ifndef KAFKA_SIDECAR_DAEMON_METRICS_H_
#define KAFKA_SIDECAR_DAEMON_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "sidecar.pb.h"

namespace kafka_sidecar {

// A Prometheus histogram with fixed buckets, in seconds.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 16> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
  void Observe(double seconds);
  // Cumulative count of observations <= kBounds[i]; i == size: all.
  uint64_t CumulativeCount(size_t i) const;
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<uint64_t, kBounds.size() + 1> buckets_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

enum class RecordOutcome { kDelivered, kAccepted, kFailed, kDenied, kCount };
inline constexpr int kAckModes = 3;  // v1::AckMode values 0..2

// Records of one produce request by outcome.
struct RecordOutcomeCounts {
  uint32_t n[static_cast<int>(RecordOutcome::kCount)] = {};
};

struct OpsMetrics {
  // [outcome][ack mode]
  uint64_t records[static_cast<int>(RecordOutcome::kCount)][kAckModes] = {};
  // Produce requests answered (or completed, for NONE): [ok/error][ack mode];
  // "error" when at least one record failed.
  uint64_t produce_requests[2][kAckModes] = {};
  uint64_t requests_status = 0;
  LatencyHistogram ack_latency[kAckModes];          // NONE stays empty
  std::map<std::string, uint64_t> delivery_errors;  // by Kafka error name
  std::map<std::string, uint64_t> record_denials;   // by rule name
  uint64_t connections_denied = 0;
  uint64_t reloads = 0, reload_failures = 0;

  // Counts a finished produce request from its records' outcomes.
  void CountProduce(v1::AckMode ack, const RecordOutcomeCounts& outcomes,
                    double latency_seconds);
  uint64_t RecordsTotal(RecordOutcome outcome) const;
};

const char* AckModeLabel(int ack);
const char* OutcomeLabel(RecordOutcome outcome);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_METRICS_H_
