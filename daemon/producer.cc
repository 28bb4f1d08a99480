#include "producer.h"

#include <spdlog/spdlog.h>

#include "kafka_errors.h"

namespace kafka_sidecar {
namespace {

// Producer settings the daemon relies on unless the operator overrides them.
constexpr std::pair<const char*, const char*> kDefaults[] = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"statistics.interval.ms", "1000"},
    {"linger.ms", "5"},
    // librdkafka's 1 GiB default is far more than a per-host sidecar should
    // hold; the count limit (100,000 messages) usually binds first anyway.
    {"queue.buffering.max.kbytes", "131072"},
    {"client.id", "kafka-sidecar"},
};

Status SetProperty(rd_kafka_conf_t* conf, const std::string& key,
                   const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr,
                        sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    return Status::Error("kafka property '" + key + "': " + errstr);
  }
  return Status::Ok();
}

constexpr size_t kMaxCachedTopics = 10000;

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Create(const Config& config,
                                                   AckQueue& acks, Wake wake) {
  std::unique_ptr<Producer> p(new Producer(acks, std::move(wake)));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : kDefaults) {
    (void)SetProperty(conf, key, value);
  }
  for (const auto& [key, value] : config.kafka) {
    if (Status s = SetProperty(conf, key, value); !s.ok()) {
      rd_kafka_conf_destroy(conf);
      return s;
    }
  }
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::OnDelivery);
  rd_kafka_conf_set_stats_cb(conf, &Producer::OnStats);
  char errstr[512];
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Error(std::string("cannot create the Kafka producer: ") +
                         errstr);
  }
  return p;
}

Producer::~Producer() {
  StopPolling();
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void Producer::StartPolling() {
  poller_ = std::thread([this] { PollLoop(); });
}

void Producer::StopPolling() {
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
}

void Producer::PollLoop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    rd_kafka_poll(rk_, 100);
    if (batch_delivered_) {
      last_delivery_ms_.store(NowMs(), std::memory_order_relaxed);
      batch_delivered_ = false;
    }
    if (!batch_.empty() && acks_.Push(&batch_)) wake_();
  }
  // Reports that arrived with the stop request still reach the loop.
  rd_kafka_poll(rk_, 0);
  if (!batch_.empty() && acks_.Push(&batch_)) wake_();
}

// Returns a topic handle: cached (most records reuse the previous one), or
// a fresh one the caller must destroy when the cache is full.
rd_kafka_topic_t* Producer::Topic(const std::string& name, bool* owned) {
  *owned = false;
  if (last_topic_ != nullptr && name == last_topic_name_) return last_topic_;
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
    if (rkt == nullptr || topics_.size() >= kMaxCachedTopics) {
      *owned = rkt != nullptr;
      return rkt;
    }
    it = topics_.emplace(name, rkt).first;
  }
  last_topic_name_ = name;
  last_topic_ = it->second;
  return last_topic_;
}

rd_kafka_resp_err_t Producer::Produce(const ProduceRecord& r,
                                      const std::string& topic,
                                      const ProduceHeader* record_headers,
                                      uint64_t token, int64_t now_ms) {
  bool owned = false;
  rd_kafka_topic_t* rkt = Topic(topic, &owned);
  if (rkt == nullptr) return rd_kafka_last_error();
  // Only the union member each vtype names is read: no need to zero them.
  size_t count = 0;
  auto add = [&](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
    vus_[count].vtype = type;
    return vus_[count++];
  };
  add(RD_KAFKA_VTYPE_RKT).u.rkt = rkt;
  add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
  add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = reinterpret_cast<void*>(token);
  if (r.has_partition) add(RD_KAFKA_VTYPE_PARTITION).u.i32 = r.partition;
  // A record without a timestamp gets the time its request was handled,
  // read once per request rather than once per record inside librdkafka.
  add(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 =
      r.has_timestamp ? r.timestamp_ms : now_ms;
  if (r.has_value) {
    auto& v = add(RD_KAFKA_VTYPE_VALUE);
    v.u.mem.ptr = const_cast<char*>(r.value.data());
    v.u.mem.size = r.value.size();
  }
  if (r.has_key) {
    auto& v = add(RD_KAFKA_VTYPE_KEY);
    v.u.mem.ptr = const_cast<char*>(r.key.data());
    v.u.mem.size = r.key.size();
  }
  // Headers go in as one list we own until produceva succeeds. With
  // VTYPE_HEADER items librdkafka (2.0.2, still in 2.x: issue #4627) frees
  // its own list twice when the partition does not exist: a crash any
  // client could cause.
  rd_kafka_headers_t* headers = nullptr;
  if (r.header_count > 0) {
    headers = rd_kafka_headers_new(r.header_count);
    for (uint32_t i = 0; i < r.header_count; ++i) {
      const ProduceHeader& h = record_headers[i];
      rd_kafka_header_add(
          headers, h.key.data(), static_cast<ssize_t>(h.key.size()),
          h.has_value ? h.value.data() : nullptr,
          h.has_value ? static_cast<ssize_t>(h.value.size()) : 0);
    }
    add(RD_KAFKA_VTYPE_HEADERS).u.headers = headers;
  }
  rd_kafka_error_t* error = rd_kafka_produceva(rk_, vus_, count);
  if (owned) rd_kafka_topic_destroy(rkt);
  if (error == nullptr) return RD_KAFKA_RESP_ERR_NO_ERROR;
  if (headers != nullptr) rd_kafka_headers_destroy(headers);  // still ours
  const rd_kafka_resp_err_t err = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  return err;
}

int64_t Producer::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Broker states come from statistics, which lag up to one interval (and
// are absent for the first one); a delivery acknowledged moments ago is
// proof of a reachable Kafka too.
bool Producer::KafkaReachable() const {
  if (brokers_.up.load() > 0) return true;
  const int64_t last = last_delivery_ms_.load(std::memory_order_relaxed);
  return last > 0 && NowMs() - last < kRecentDeliveryMs;
}

void Producer::PurgeAll() {
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg,
                          void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  Ack& ack = self->batch_.emplace_back();
  ack.token = reinterpret_cast<uint64_t>(msg->_private);
  ack.err = msg->err;
  ack.partition = msg->partition;
  ack.offset = msg->offset;
  rd_kafka_timestamp_type_t tstype;
  ack.timestamp_ms = rd_kafka_message_timestamp(msg, &tstype);
  ack.timestamp_type = static_cast<int8_t>(tstype);
  ack.persistence = static_cast<int8_t>(rd_kafka_message_status(msg));
  self->batch_delivered_ |= msg->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // rd_kafka_message_errstr() would return the payload for a delivery
    // report, so the detail is built here.
    ack.topic = rd_kafka_topic_name(msg->rkt);
    ack.error_detail = DescribeRecordError(msg->err, ack.topic, msg->partition);
  }
}

// Counts brokers that librdkafka reports UP (see ParseKafkaStats for which
// count) and publishes the snapshot for metrics and status.
int Producer::OnStats(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto stats = ParseKafkaStats(std::string_view(json, len));
  if (stats == nullptr) return 0;
  self->brokers_.up.store(stats->brokers_up());
  self->brokers_.total.store(static_cast<uint32_t>(stats->brokers.size()));
  self->stats_.Publish(std::move(stats));
  return 0;  // librdkafka frees the JSON
}

}  // namespace kafka_sidecar
