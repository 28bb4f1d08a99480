#include "convert.h"

#include <string_view>

#include "local_errors.h"

namespace kafka_sidecar {
namespace {

size_t CountRecords(const std::vector<RecordBatch::TopicRun>& topics) {
  size_t count = 0;
  for (const auto& run : topics) count += run.count;
  return count;
}

RecordMetadata Unacknowledged(const std::string& topic) {
  return RecordMetadata{.topic = topic};
}

RecordMetadata Delivered(const std::string& topic,
                         const v1::RecordMetadata& delivered) {
  return RecordMetadata{.topic = topic,
                        .partition = delivered.partition(),
                        .offset = delivered.offset(),
                        .timestamp_ms = delivered.timestamp_ms()};
}

Result<RecordMetadata> ToRecordResult(const v1::RecordResult& result,
                                      const std::string& topic, AckMode ack) {
  switch (result.result_case()) {
    case v1::RecordResult::kDelivered:
      return Delivered(topic, result.delivered());
    case v1::RecordResult::kAccepted:
      if (ack == AckMode::kDelivered) {
        return ProtocolError(
            "daemon answered 'accepted' to a DELIVERED "
            "request; delivery not confirmed");
      }
      return Unacknowledged(topic);
    case v1::RecordResult::kError:
      return FromProto(result.error());
    case v1::RecordResult::RESULT_NOT_SET:
      break;
  }
  return ProtocolError("daemon sent an empty record result");
}

}  // namespace

std::string ErrorCodeName(v1::ErrorCode code) {
  constexpr std::string_view kPrefix = "ERROR_CODE_";
  std::string name = v1::ErrorCode_Name(code);
  if (name.empty()) return "UNKNOWN_" + std::to_string(static_cast<int>(code));
  if (std::string_view(name).starts_with(kPrefix)) {
    name.erase(0, kPrefix.size());
  }
  return name;
}

Persistence FromProto(v1::Persistence persistence) {
  switch (persistence) {
    case v1::PERSISTENCE_NOT_PERSISTED:
      return Persistence::kNotPersisted;
    case v1::PERSISTENCE_POSSIBLY_PERSISTED:
      return Persistence::kPossiblyPersisted;
    case v1::PERSISTENCE_PERSISTED:
      return Persistence::kPersisted;
    default:
      return Persistence::kUnspecified;
  }
}

Error FromProto(const v1::Error& error) {
  Error out{.code = ErrorCodeName(error.code()),
            .kafka_code = error.kafka_code(),
            .name = error.name(),
            .message = error.message(),
            .retriable = error.retriable(),
            .persistence = FromProto(error.persistence())};
  if (out.name.empty()) out.name = out.code;
  return out;
}

PingInfo FromProto(const v1::PingResponse& ping) {
  return PingInfo{.daemon_version = ping.daemon_version(),
                  .protocol_version = ping.protocol_version(),
                  .kafka_reachable = ping.kafka_reachable(),
                  .brokers_up = ping.brokers_up(),
                  .brokers_total = ping.brokers_total(),
                  .uptime = std::chrono::milliseconds(ping.uptime_ms()),
                  .in_flight_records = ping.in_flight_records(),
                  .connections = ping.connections()};
}

std::vector<Result<RecordMetadata>> FailAll(
    const Error& error, const std::vector<RecordBatch::TopicRun>& topics) {
  return std::vector<Result<RecordMetadata>>(CountRecords(topics), error);
}

std::vector<Result<RecordMetadata>> ToRecordResults(
    const v1::Response& response,
    const std::vector<RecordBatch::TopicRun>& topics, AckMode ack) {
  if (response.has_error()) return FailAll(FromProto(response.error()), topics);
  if (!response.has_produce()) {
    return FailAll(ProtocolError("daemon answered a produce request with "
                                 "another kind of response"),
                   topics);
  }
  const auto& results = response.produce().results();
  std::vector<Result<RecordMetadata>> out;
  out.reserve(CountRecords(topics));
  for (const auto& run : topics) {
    for (size_t i = 0; i < run.count; ++i) {
      const int index = static_cast<int>(out.size());
      if (index < results.size()) {
        out.push_back(ToRecordResult(results[index], run.topic, ack));
      } else {
        out.push_back(ProtocolError("daemon sent fewer results than records"));
      }
    }
  }
  return out;
}

}  // namespace kafka_sidecar
