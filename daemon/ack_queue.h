// Delivery reports as the loop thread collects them from the producer
// (Producer::ServeEvents) and hands them to the Server, in batches.
#ifndef KAFKA_SIDECAR_DAEMON_ACK_QUEUE_H_
#define KAFKA_SIDECAR_DAEMON_ACK_QUEUE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kafka_sidecar {

// What became of one record. Plain data: no pointers into librdkafka.
struct Ack {
  uint64_t token = 0;  // the opaque given at produce time
  int32_t err = 0;     // rd_kafka_resp_err_t
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;
  int8_t timestamp_type = 0;  // rd_kafka_timestamp_type_t
  int8_t persistence = 0;     // rd_kafka_msg_status_t
  std::string error_detail;   // set only when err != 0
  std::string topic;          // set only when err != 0
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_ACK_QUEUE_H_
