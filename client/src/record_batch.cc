#include "kafka_sidecar/record_batch.h"

#include "wire_encoder.h"

namespace kafka_sidecar {

void RecordBatch::Add(const RecordView& record) {
  wire::AppendRecordField(record, &encoded_);
  NoteTopic(record.topic);
  ++count_;
}

void RecordBatch::Add(const Record& record) {
  std::vector<HeaderView> headers;
  headers.reserve(record.headers.size());
  for (const auto& [key, value] : record.headers) {
    headers.push_back(
        {key, value ? std::optional<std::string_view>(*value) : std::nullopt});
  }
  Add(RecordView{
      .topic = record.topic,
      .key = record.key ? std::optional<std::string_view>(*record.key)
                        : std::nullopt,
      .value = record.value ? std::optional<std::string_view>(*record.value)
                            : std::nullopt,
      .headers = headers,
      .partition = record.partition,
      .timestamp_ms = record.timestamp_ms,
  });
}

void RecordBatch::Clear() {
  encoded_.clear();
  count_ = 0;
  topic_runs_.clear();
}

void RecordBatch::NoteTopic(std::string_view topic) {
  if (topic_runs_.empty() || topic_runs_.back().topic != topic) {
    topic_runs_.push_back({std::string(topic), 0});
  }
  ++topic_runs_.back().count;
}

}  // namespace kafka_sidecar
