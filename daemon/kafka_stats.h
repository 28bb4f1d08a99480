// librdkafka's statistics (statistics.interval.ms JSON), reduced to the
// figures operators watch. Parsed on the producer's poll thread; published
// as an immutable snapshot that the loop thread picks up when it needs one
// (scrape, status). The lock guards one pointer swap, so neither side ever
// waits on the other's work.
#ifndef KAFKA_SIDECAR_DAEMON_KAFKA_STATS_H_
#define KAFKA_SIDECAR_DAEMON_KAFKA_STATS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kafka_sidecar {

struct BrokerStats {
  std::string name;  // "127.0.0.1:9092/1"
  int32_t node_id = -1;
  std::string state;  // UP, DOWN, CONNECT, AUTH, INIT, ...
  int64_t rtt_avg_us = 0;
  int64_t rtt_p99_us = 0;
  int64_t outbuf_msgs = 0;    // messages waiting to be sent
  int64_t waitresp_msgs = 0;  // sent, awaiting a response
  int64_t tx = 0, tx_bytes = 0, tx_errors = 0, tx_retries = 0;
  int64_t req_timeouts = 0, connects = 0, disconnects = 0;
};

struct KafkaStats {
  std::chrono::steady_clock::time_point taken;  // when it was parsed
  int64_t age_us = 0;                           // librdkafka's handle age
  int64_t queue_msgs = 0;       // msg_cnt: messages in producer queues
  int64_t queue_bytes = 0;      // msg_size
  int64_t queue_max_msgs = 0;   // msg_max
  int64_t queue_max_bytes = 0;  // msg_size_max
  int64_t tx = 0, tx_bytes = 0, tx_msgs = 0, tx_msg_bytes = 0;
  int64_t tx_retries = 0;  // summed over brokers
  int64_t tx_errors = 0;
  std::vector<BrokerStats> brokers;  // learned brokers (node id >= 0) only,
                                     // bootstrap entries while none is known
  uint32_t brokers_up() const;
};

// Returns nullptr when `json` is not librdkafka statistics.
std::shared_ptr<const KafkaStats> ParseKafkaStats(std::string_view json);

class KafkaStatsBox {
 public:
  void Publish(std::shared_ptr<const KafkaStats> stats) {
    std::lock_guard lock(mu_);
    stats_ = std::move(stats);
  }
  // The latest snapshot, or nullptr before the first one.
  std::shared_ptr<const KafkaStats> Latest() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const KafkaStats> stats_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_KAFKA_STATS_H_
