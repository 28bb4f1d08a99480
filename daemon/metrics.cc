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
                              const v1::ProduceResponse& response,
                              double latency_seconds) {
  const int mode = static_cast<int>(ack);
  if (mode < 0 || mode >= kAckModes) return;
  bool failed = false;
  for (const v1::RecordResult& r : response.results()) {
    RecordOutcome outcome = RecordOutcome::kFailed;
    if (r.has_delivered()) {
      outcome = RecordOutcome::kDelivered;
    } else if (r.has_accepted()) {
      outcome = RecordOutcome::kAccepted;
    } else if (r.error().code() == v1::ERROR_CODE_NOT_ALLOWED) {
      outcome = RecordOutcome::kDenied;
    }
    failed |=
        outcome == RecordOutcome::kFailed || outcome == RecordOutcome::kDenied;
    ++records[static_cast<int>(outcome)][mode];
  }
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
