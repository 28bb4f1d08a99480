// Turns the daemon's protobuf answers into the client's public types. Pure
// functions: the only place that knows both vocabularies.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_CONVERT_H_
#define KAFKA_SIDECAR_CLIENT_SRC_CONVERT_H_

#include <string>
#include <vector>

#include "kafka_sidecar/record.h"
#include "kafka_sidecar/record_batch.h"
#include "kafka_sidecar/result.h"
#include "sidecar.pb.h"

namespace kafka_sidecar {

// "KAFKA" for ERROR_CODE_KAFKA, etc.
std::string ErrorCodeName(v1::ErrorCode code);
Persistence FromProto(v1::Persistence persistence);
Error FromProto(const v1::Error& error);
PingInfo FromProto(const v1::PingResponse& ping);

// One result per record of a produce request, in request order. A
// whole-request error applies to every record; a malformed answer becomes
// PROTOCOL_ERROR rather than a silent success.
std::vector<Result<RecordMetadata>> ToRecordResults(
    const v1::Response& response,
    const std::vector<RecordBatch::TopicRun>& topics, AckMode ack);

// The same `error` for every record of the batch.
std::vector<Result<RecordMetadata>> FailAll(
    const Error& error, const std::vector<RecordBatch::TopicRun>& topics);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_CONVERT_H_
