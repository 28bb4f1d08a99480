// A produce request between its arrival and its response: which connection
// asked, which records are queued, and the response being filled in as
// delivery reports arrive. Loop thread only.
//
// The response lives on an arena of its own, so filling in thousands of
// results costs no malloc per record. The records are borrowed from the
// frame being handled; only a request that stalls on a full producer queue
// copies them, because it outlives its frame.
#ifndef KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_
#define KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_

#include <google/protobuf/arena.h>

#include <chrono>
#include <cstdint>
#include <memory>

#include "sidecar.pb.h"

namespace kafka_sidecar {

class PendingRequest {
 public:
  PendingRequest(uint64_t conn_id, uint64_t request_id,
                 const v1::ProduceRequest& request);
  PendingRequest(const PendingRequest&) = delete;
  PendingRequest& operator=(const PendingRequest&) = delete;

  const uint64_t conn_id;
  const v1::AckMode ack;
  const bool fail_fast;
  uint32_t next = 0;       // next record to hand to the producer
  uint32_t remaining = 0;  // DELIVERED records queued and not yet reported
  uint64_t bytes = 0;      // the request's frame size, for in-flight limits
  // For the ack latency histogram.
  const std::chrono::steady_clock::time_point arrived =
      std::chrono::steady_clock::now();

  uint32_t size() const { return size_; }
  const v1::Record& record(uint32_t i) const {
    return request_->records(static_cast<int>(i));
  }
  v1::RecordResult* result(uint32_t i) {
    return response_->mutable_produce()->mutable_results(static_cast<int>(i));
  }
  const v1::Response& response() const { return *response_; }
  bool all_queued() const { return next == size_; }

  // The frame the records came from is about to go: keep a copy of them.
  void OwnRecords();
  // Every record is queued (librdkafka holds copies): drop ours.
  void ReleaseRecords();

 private:
  const uint32_t size_;
  const v1::ProduceRequest* request_;  // borrowed, or owned_request_
  std::unique_ptr<v1::ProduceRequest> owned_request_;
  google::protobuf::Arena arena_;
  v1::Response* response_;  // on arena_
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_
