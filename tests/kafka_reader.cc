#include "kafka_reader.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace kafka_sidecar::testing {
namespace {

rd_kafka_t* NewConsumer(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
                    sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "kafka-sidecar-test-reader", err,
                    sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) throw std::runtime_error(err);
  return rk;
}

std::vector<int32_t> Partitions(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  std::vector<int32_t> out;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      out.push_back(md->topics[0].partitions[i].id);
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return out;
}

StoredRecord ToStored(const rd_kafka_message_t* m) {
  StoredRecord r;
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->key != nullptr) {
    r.key.emplace(static_cast<const char*>(m->key), m->key_len);
  }
  if (m->payload != nullptr) {
    r.value.emplace(static_cast<const char*>(m->payload), m->len);
  }
  rd_kafka_timestamp_type_t type;
  r.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      std::optional<std::string> v;
      if (val != nullptr) v.emplace(static_cast<const char*>(val), size);
      r.headers.emplace_back(name, v);
    }
  }
  return r;
}

}  // namespace

std::vector<StoredRecord> ReadTopic(const std::string& bootstrap,
                                    const std::string& topic, size_t count,
                                    int timeout_ms) {
  rd_kafka_t* rk = NewConsumer(bootstrap);
  const auto partitions = Partitions(rk, topic);
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<StoredRecord> out;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(ToStored(m));
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::pair(a.partition, a.offset) < std::pair(b.partition, b.offset);
  });
  return out;
}

int64_t HighWatermarkSum(const std::string& bootstrap,
                         const std::string& topic) {
  rd_kafka_t* rk = NewConsumer(bootstrap);
  int64_t sum = 0;
  for (int32_t p : Partitions(rk, topic)) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high,
                                         10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      sum += high;
    }
  }
  rd_kafka_destroy(rk);
  return sum;
}

}  // namespace kafka_sidecar::testing
