// A produce request between its arrival and its response: which connection
// asked, which records are queued, and the response being filled in as
// delivery reports arrive. Loop thread only.
#ifndef KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_
#define KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_

#include <cstdint>

#include "sidecar.pb.h"

namespace kafka_sidecar {

struct PendingRequest {
  uint64_t conn_id = 0;
  v1::AckMode ack = v1::ACK_MODE_DELIVERED;
  bool fail_fast = false;
  uint32_t next = 0;           // next record to hand to the producer
  uint32_t remaining = 0;      // DELIVERED records queued and not yet reported
  v1::ProduceRequest request;  // emptied once every record is queued
  v1::Response response;       // one result per record, in request order

  uint32_t size() const {
    return static_cast<uint32_t>(response.produce().results_size());
  }
  v1::RecordResult* result(uint32_t i) {
    return response.mutable_produce()->mutable_results(static_cast<int>(i));
  }
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_PENDING_REQUEST_H_
