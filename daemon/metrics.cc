#include "metrics.h"

#include <algorithm>

namespace kafka_sidecar {

void LatencyHistogram::Observe(double seconds) {
  const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  ++buckets_[static_cast<size_t>(it - kBounds.begin())];
  ++count_;
  sum_ += seconds;
}

uint64_t LatencyHistogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b < buckets_.size(); ++b) total += buckets_[b];
  return total;
}

void OpsMetrics::CountProduce(v1::AckMode ack,
                              const RecordOutcomeCounts& outcomes,
                              double latency_seconds) {
  const int mode = static_cast<int>(ack);
  if (mode < 0 || mode >= kAckModes) return;
  for (int o = 0; o < static_cast<int>(RecordOutcome::kCount); ++o) {
    records[o][mode] += outcomes.n[o];
  }
  const bool failed =
      outcomes.n[static_cast<int>(RecordOutcome::kFailed)] > 0 ||
      outcomes.n[static_cast<int>(RecordOutcome::kDenied)] > 0;
  ++produce_requests[failed ? 1 : 0][mode];
  if (ack != v1::ACK_MODE_NONE) ack_latency[mode].Observe(latency_seconds);
}

uint64_t OpsMetrics::RecordsTotal(RecordOutcome outcome) const {
  uint64_t total = 0;
  for (int m = 0; m < kAckModes; ++m)
    total += records[static_cast<int>(outcome)][m];
  return total;
}

const char* AckModeLabel(int ack) {
  switch (ack) {
    case v1::ACK_MODE_DELIVERED:
      return "delivered";
    case v1::ACK_MODE_ACCEPTED:
      return "accepted";
    default:
      return "none";
  }
}

const char* OutcomeLabel(RecordOutcome outcome) {
  switch (outcome) {
    case RecordOutcome::kDelivered:
      return "delivered";
    case RecordOutcome::kAccepted:
      return "accepted";
    case RecordOutcome::kFailed:
      return "failed";
    default:
      return "denied";
  }
}

}  // namespace kafka_sidecar
