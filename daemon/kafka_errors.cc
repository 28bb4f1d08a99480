#include "kafka_errors.h"

namespace kafka_sidecar {

bool IsRetriable(rd_kafka_resp_err_t err) {
  switch (err) {
    // librdkafka-local conditions that pass with time.
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    // Kafka's retriable errors (RetriableException subclasses).
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return true;
    default:
      return false;
  }
}

pb::Persistence ToPersistence(rd_kafka_msg_status_t status) {
  switch (status) {
    case RD_KAFKA_MSG_STATUS_NOT_PERSISTED:
      return pb::PERSISTENCE_NOT_PERSISTED;
    case RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED:
      return pb::PERSISTENCE_POSSIBLY_PERSISTED;
    case RD_KAFKA_MSG_STATUS_PERSISTED:
      return pb::PERSISTENCE_PERSISTED;
  }
  return pb::PERSISTENCE_UNSPECIFIED;
}

void FillKafkaError(rd_kafka_resp_err_t err, const std::string& detail,
                    pb::Persistence persistence, pb::Error* out) {
  out->set_code(pb::ERROR_CODE_KAFKA);
  out->set_kafka_code(err);
  out->set_name(rd_kafka_err2name(err));
  out->set_message(detail.empty() ? rd_kafka_err2str(err) : detail);
  out->set_retriable(IsRetriable(err));
  out->set_persistence(persistence);
}

std::string DescribeRecordError(rd_kafka_resp_err_t err,
                                const std::string& topic, int32_t partition) {
  std::string out = std::string(rd_kafka_err2str(err)) + " (topic '" + topic;
  if (partition >= 0)
    out += "', partition " + std::to_string(partition);
  else
    out += "'";
  return out + ")";
}

void FillDaemonError(pb::ErrorCode code, const std::string& message,
                     pb::Error* out) {
  out->set_code(code);
  // "ERROR_CODE_QUEUE_FULL" -> "QUEUE_FULL".
  out->set_name(pb::ErrorCode_Name(code).substr(sizeof("ERROR_CODE_") - 1));
  out->set_message(message);
  out->set_retriable(code == pb::ERROR_CODE_QUEUE_FULL ||
                     code == pb::ERROR_CODE_SHUTTING_DOWN);
  out->set_persistence(pb::PERSISTENCE_NOT_PERSISTED);
}

std::string CheckTopicName(const std::string& topic) {
  if (topic.empty()) return "topic name is empty";
  if (topic.size() > 249) {
    return "topic name is " + std::to_string(topic.size()) +
           " characters long, Kafka allows at most 249";
  }
  if (topic == "." || topic == "..") return "topic name cannot be '.' or '..'";
  for (const char c : topic) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                       c == '-';
    if (!legal) {
      return "topic name contains an illegal character (allowed: ASCII "
             "letters, digits, '.', '_' and '-')";
    }
  }
  return "";
}

}  // namespace kafka_sidecar
