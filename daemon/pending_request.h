// A produce request between its arrival and its response: which connection
// asked, which records are queued, and each record's outcome as delivery
// reports arrive. Loop thread only.
//
// Outcomes are plain structs (errors, which are rare, are protobuf messages
// on the side) and the response frame is written straight from them: a
// Response message per request cost a message object per record, and
// serialising it walked them all again. The bytes are those the generated
// serializer writes (pending_request_test). The records are borrowed from
// the frame being handled; only a request that stalls on a full producer
// queue copies them, because it outlives its frame.
#ifndef KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_
#define KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "metrics.h"
#include "produce_decoder.h"
#include "sidecar.pb.h"

namespace kafka_sidecar {

class PendingRequest {
 public:
  PendingRequest(uint64_t conn_id, const ProduceBatch& request);
  PendingRequest(const PendingRequest&) = delete;
  PendingRequest& operator=(const PendingRequest&) = delete;

  const uint64_t conn_id;
  const uint64_t request_id;
  const v1::AckMode ack;
  const bool fail_fast;
  uint32_t next = 0;       // next record to hand to the producer
  uint32_t remaining = 0;  // DELIVERED records queued and not yet reported
  uint64_t bytes = 0;      // the request's frame size, for in-flight limits
  // For the ack latency histogram.
  const std::chrono::steady_clock::time_point arrived =
      std::chrono::steady_clock::now();

  uint32_t size() const { return static_cast<uint32_t>(results_.size()); }
  const ProduceRecord& record(uint32_t i) const { return request_->records[i]; }
  const ProduceHeader* headers(const ProduceRecord& r) const {
    return request_->headers.data() + r.first_header;
  }
  bool all_queued() const { return next == size(); }

  // Record i's outcome; each replaces what was there.
  void SetDelivered(uint32_t i, int32_t partition, int64_t offset,
                    int64_t timestamp_ms, int timestamp_type);
  void SetAccepted(uint32_t i);
  // The Error to fill in for record i.
  v1::Error* SetError(uint32_t i);
  bool has_outcome(uint32_t i) const { return results_[i].kind != kNone; }

  // Appends the response frame (header and Response{id, produce}).
  void AppendResponseFrame(std::string* out) const;
  RecordOutcomeCounts CountOutcomes() const;

  // The frame the records came from is about to go: keep a copy of them.
  void OwnRecords();
  // Every record is queued (librdkafka holds copies): drop ours.
  void ReleaseRecords();

 private:
  enum Kind : uint8_t { kNone, kDelivered, kAccepted, kError };
  struct Outcome {
    int64_t offset;
    int64_t timestamp_ms;
    int32_t partition;
    Kind kind;
    int8_t timestamp_type;
    uint32_t error;  // index into errors_ (kError)
  };
  size_t ResultBytes(const Outcome& o) const;
  char* PutResult(const Outcome& o, char* p) const;

  const ProduceBatch* request_;  // borrowed, or owned_request_
  std::unique_ptr<ProduceBatch> owned_request_;
  std::vector<Outcome> results_;
  std::vector<std::unique_ptr<v1::Error>> errors_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_
