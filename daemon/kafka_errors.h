// Turns librdkafka error codes and the daemon's own failures into the wire
// protocol's Error message. Pure functions; any thread.
#ifndef KAFKA_SIDECAR_DAEMON_KAFKA_ERRORS_H_
#define KAFKA_SIDECAR_DAEMON_KAFKA_ERRORS_H_

#include <librdkafka/rdkafka.h>

#include <string>

#include "sidecar.pb.h"

namespace kafka_sidecar {

namespace pb = ::kafka_sidecar::v1;

// Whether Kafka (or librdkafka) classes this error as retriable.
bool IsRetriable(rd_kafka_resp_err_t err);

pb::Persistence ToPersistence(rd_kafka_msg_status_t status);

// A Kafka/librdkafka failure of one record.
void FillKafkaError(rd_kafka_resp_err_t err, const std::string& detail,
                    pb::Persistence persistence, pb::Error* out);

// "<librdkafka's text> (topic 't', partition p)"; partition -1 is omitted.
std::string DescribeRecordError(rd_kafka_resp_err_t err,
                                const std::string& topic, int32_t partition);

// One of the daemon's own failures; never persisted.
void FillDaemonError(pb::ErrorCode code, const std::string& message,
                     pb::Error* out);

// Kafka's rules for a topic name; returns an empty string when valid,
// otherwise why not.
std::string CheckTopicName(const std::string& topic);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_KAFKA_ERRORS_H_
