// Hand-rolled protobuf encoding of the produce path of sidecar.proto.
//
// Why not the generated code: a produce request may carry thousands of
// records, and building a message object per record costs allocations and a
// copy of every byte. These functions write the exact bytes the generated
// serializer would (tests parse them back with it), straight from string
// views into one buffer. Field numbers below are those of sidecar.proto.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_WIRE_ENCODER_H_
#define KAFKA_SIDECAR_CLIENT_SRC_WIRE_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kafka_sidecar/record.h"

namespace kafka_sidecar::wire {

size_t VarintSize(uint64_t value);

// Appends `record` as one `ProduceRequest.records` field: tag, length and
// the Record message.
void AppendRecordField(const RecordView& record, std::string* out);

// The ProduceRequest fields after the records. Default values take no
// bytes on the wire (proto3), so the common request ends with its records.
struct ProduceFlags {
  AckMode ack = AckMode::kDelivered;
  bool fail_fast = false;
};

// Appends the frame header and the start of
//   Request{id: id, produce: ProduceRequest{<records>, ack, fail_fast}}
// up to where the records begin. The caller then sends `records_bytes`
// bytes of AppendRecordField output and the AppendProduceSuffix bytes.
void AppendProducePrefix(uint64_t id, size_t records_bytes,
                         const ProduceFlags& flags, std::string* out);
void AppendProduceSuffix(const ProduceFlags& flags, std::string* out);

// Bytes taken by the first `count` record fields of `fields` (as written by
// AppendRecordField), or all of them if it holds fewer: where to cut a
// batch into requests.
size_t RecordFieldsBytes(std::string_view fields, size_t count);

// Size of a whole produce frame, header included.
size_t ProduceFrameBytes(uint64_t id, size_t records_bytes,
                         const ProduceFlags& flags);

}  // namespace kafka_sidecar::wire

#endif  // KAFKA_SIDECAR_CLIENT_SRC_WIRE_ENCODER_H_
