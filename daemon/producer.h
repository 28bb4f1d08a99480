// The daemon's one librdkafka producer and the thread that polls it.
//
// Produce() is called on the loop thread only. Delivery reports are collected
// on the poll thread, pushed to the AckQueue in batches, and announced to the
// loop through `wake` (a uv_async_send wrapper). The poll thread never touches
// libuv handles or connections.
#ifndef KAFKA_SIDECAR_DAEMON_PRODUCER_H_
#define KAFKA_SIDECAR_DAEMON_PRODUCER_H_

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ack_queue.h"
#include "config.h"
#include "kafka_stats.h"
#include "produce_decoder.h"
#include "sidecar.pb.h"
#include "status.h"

namespace kafka_sidecar {

// Broker view refreshed from librdkafka's statistics (poll thread writes,
// anyone reads).
struct BrokerHealth {
  std::atomic<uint32_t> up{0};
  std::atomic<uint32_t> total{0};
};

class Producer {
 public:
  // Called on the poll thread after acks were pushed to an empty queue.
  using Wake = std::function<void()>;

  // Builds the producer from `config.kafka` (defaults: idempotence on,
  // acks=all). Unknown or invalid properties are errors naming the key.
  static Result<std::unique_ptr<Producer>> Create(const Config& config,
                                                  AckQueue& acks, Wake wake);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  void StartPolling();
  void StopPolling();

  // Queues one record with `token` as its opaque; `now_ms` (wall clock) is
  // its timestamp unless it carries one. Returns librdkafka's
  // immediate verdict (e.g. _QUEUE_FULL, MSG_SIZE_TOO_LARGE,
  // _UNKNOWN_PARTITION); on success a delivery report follows later.
  // `topic` is record.topic as a string; `headers` its header_count headers.
  rd_kafka_resp_err_t Produce(const ProduceRecord& record,
                              const std::string& topic,
                              const ProduceHeader* headers, uint64_t token,
                              int64_t now_ms);

  // Fails everything not yet delivered (reports follow with _PURGE_*).
  void PurgeAll();

  // Records handed to librdkafka and not yet reported.
  int OutQueueLength() const { return rd_kafka_outq_len(rk_); }
  const BrokerHealth& brokers() const { return brokers_; }
  // A broker is up, or a record was acknowledged in the last few seconds.
  // Any thread.
  bool KafkaReachable() const;
  // The latest statistics snapshot (nullptr before the first). Any thread.
  std::shared_ptr<const KafkaStats> stats() const { return stats_.Latest(); }
  rd_kafka_t* handle() { return rk_; }

 private:
  Producer(AckQueue& acks, Wake wake) : acks_(acks), wake_(std::move(wake)) {}
  rd_kafka_topic_t* Topic(const std::string& name, bool* owned);
  void PollLoop();
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg,
                         void* opaque);
  static int OnStats(rd_kafka_t*, char* json, size_t len, void* opaque);

  AckQueue& acks_;
  Wake wake_;
  rd_kafka_t* rk_ = nullptr;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;  // loop thread
  rd_kafka_vu_t vus_[8];         // loop thread; one record's arguments
  std::string last_topic_name_;  // loop thread
  rd_kafka_topic_t* last_topic_ = nullptr;  // loop thread
  std::vector<Ack> batch_;                  // poll thread
  static int64_t NowMs();
  static constexpr int64_t kRecentDeliveryMs = 3000;

  BrokerHealth brokers_;
  bool batch_delivered_ = false;  // poll thread
  std::atomic<int64_t> last_delivery_ms_{0};
  KafkaStatsBox stats_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_PRODUCER_H_
