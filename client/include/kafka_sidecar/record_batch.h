// Records encoded once, straight into their wire form, ready to be sent as
// one produce request. The cheapest way to send many records: no protobuf
// objects and one buffer per batch. Not thread-safe; reusable after Clear().
#ifndef KAFKA_SIDECAR_CLIENT_RECORD_BATCH_H_
#define KAFKA_SIDECAR_CLIENT_RECORD_BATCH_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "kafka_sidecar/record.h"

namespace kafka_sidecar {

namespace internal {
struct RecordBatchAccess;  // the client's view of the encoded records
}  // namespace internal

class RecordBatch {
 public:
  // Consecutive records sharing a topic: results name their topic, and the
  // wire response does not repeat it.
  struct TopicRun {
    std::string topic;
    size_t count;
  };

  RecordBatch() = default;

  void Add(const Record& record);
  void Add(const RecordView& record);

  // Reserves room for about `bytes` bytes of encoded records.
  void Reserve(size_t bytes) { encoded_.reserve(bytes); }
  void Clear();

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Encoded size of the records: what the request frame will carry.
  size_t encoded_bytes() const { return encoded_.size(); }

 private:
  friend struct internal::RecordBatchAccess;

  void NoteTopic(std::string_view topic);

  std::string encoded_;  // repeated ProduceRequest.records fields
  size_t count_ = 0;
  std::vector<TopicRun> topic_runs_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_RECORD_BATCH_H_
