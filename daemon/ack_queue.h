// Delivery reports on their way from the producer's poll thread to the loop.
// Push() from any thread; Swap() from the loop thread. The loop takes the
// whole batch at once and processes it without holding the lock.
#ifndef KAFKA_SIDECAR_DAEMON_ACK_QUEUE_H_
#define KAFKA_SIDECAR_DAEMON_ACK_QUEUE_H_

#include <cstdint>
#include <mutex>
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

class AckQueue {
 public:
  AckQueue() = default;
  AckQueue(const AckQueue&) = delete;
  AckQueue& operator=(const AckQueue&) = delete;

  // Appends a batch; returns true if the queue was empty before.
  bool Push(std::vector<Ack>* batch) {
    std::lock_guard lock(mu_);
    const bool was_empty = acks_.empty();
    if (was_empty) {
      acks_.swap(*batch);
    } else {
      acks_.insert(acks_.end(), std::make_move_iterator(batch->begin()),
                   std::make_move_iterator(batch->end()));
    }
    batch->clear();
    return was_empty;
  }

  // Replaces `*out` (which should be empty) with everything queued.
  void Swap(std::vector<Ack>* out) {
    std::lock_guard lock(mu_);
    acks_.swap(*out);
  }

 private:
  std::mutex mu_;
  std::vector<Ack> acks_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_ACK_QUEUE_H_
