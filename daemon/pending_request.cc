#include "pending_request.h"

#include "frame_codec.h"

namespace kafka_sidecar {
namespace {

// Tags of the fields written here: (field number << 3) | wire type.
constexpr char kResponseId = (1 << 3) | 0;
constexpr char kResponseProduce = (3 << 3) | 2;
constexpr char kProduceResults = (1 << 3) | 2;
constexpr char kResultDelivered = (1 << 3) | 2;
constexpr char kResultAccepted = (2 << 3) | 2;
constexpr char kResultError = (3 << 3) | 2;
constexpr char kMetadataPartition = (1 << 3) | 0;
constexpr char kMetadataOffset = (2 << 3) | 0;
constexpr char kMetadataTimestamp = (3 << 3) | 0;
constexpr char kMetadataTimestampType = (4 << 3) | 0;

size_t VarintBytes(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

// proto3 leaves out a scalar field holding zero; negative int32, int64 and
// enum values are sign-extended to ten bytes.
size_t IntFieldBytes(int64_t value) {
  return value == 0 ? 0 : 1 + VarintBytes(static_cast<uint64_t>(value));
}

size_t MessageFieldBytes(size_t length) {
  return 1 + VarintBytes(length) + length;
}

char* PutVarint(uint64_t value, char* p) {
  while (value >= 0x80) {
    *p++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<char>(value);
  return p;
}

char* PutIntField(char tag, int64_t value, char* p) {
  if (value == 0) return p;
  *p++ = tag;
  return PutVarint(static_cast<uint64_t>(value), p);
}

char* PutMessageHeader(char tag, size_t length, char* p) {
  *p++ = tag;
  return PutVarint(length, p);
}

// Size of a RecordMetadata message.
size_t DeliveredBytes(int32_t partition, int64_t offset, int64_t timestamp_ms,
                      int8_t timestamp_type) {
  return IntFieldBytes(partition) + IntFieldBytes(offset) +
         IntFieldBytes(timestamp_ms) + IntFieldBytes(timestamp_type);
}

}  // namespace

PendingRequest::PendingRequest(uint64_t conn_id, const ProduceBatch& request)
    : conn_id(conn_id),
      request_id(request.id),
      ack(static_cast<v1::AckMode>(request.ack)),
      fail_fast(request.fail_fast),
      request_(&request),
      results_(request.records.size(), Outcome{0, 0, 0, kNone, 0, 0}) {}

void PendingRequest::SetDelivered(uint32_t i, int32_t partition, int64_t offset,
                                  int64_t timestamp_ms, int timestamp_type) {
  results_[i] = Outcome{offset,
                        timestamp_ms,
                        partition,
                        kDelivered,
                        static_cast<int8_t>(timestamp_type),
                        0};
}

void PendingRequest::SetAccepted(uint32_t i) {
  results_[i] = Outcome{0, 0, 0, kAccepted, 0, 0};
}

v1::Error* PendingRequest::SetError(uint32_t i) {
  const auto index = static_cast<uint32_t>(errors_.size());
  errors_.push_back(std::make_unique<v1::Error>());
  results_[i] = Outcome{0, 0, 0, kError, 0, index};
  return errors_.back().get();
}

// Size of one RecordResult message (without its own tag and length).
size_t PendingRequest::ResultBytes(const Outcome& o) const {
  switch (o.kind) {
    case kNone:
      return 0;
    case kAccepted:
      return MessageFieldBytes(0);
    case kError:
      return MessageFieldBytes(errors_[o.error]->ByteSizeLong());
    case kDelivered:
      break;
  }
  return MessageFieldBytes(
      DeliveredBytes(o.partition, o.offset, o.timestamp_ms, o.timestamp_type));
}

char* PendingRequest::PutResult(const Outcome& o, char* p) const {
  p = PutMessageHeader(kProduceResults, ResultBytes(o), p);
  switch (o.kind) {
    case kNone:
      return p;
    case kAccepted:
      return PutMessageHeader(kResultAccepted, 0, p);
    case kError: {
      const v1::Error& error = *errors_[o.error];
      p = PutMessageHeader(kResultError, error.GetCachedSize(), p);
      return reinterpret_cast<char*>(
          error.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(p)));
    }
    case kDelivered:
      break;
  }
  p = PutMessageHeader(
      kResultDelivered,
      DeliveredBytes(o.partition, o.offset, o.timestamp_ms, o.timestamp_type),
      p);
  p = PutIntField(kMetadataPartition, o.partition, p);
  p = PutIntField(kMetadataOffset, o.offset, p);
  p = PutIntField(kMetadataTimestamp, o.timestamp_ms, p);
  return PutIntField(kMetadataTimestampType, o.timestamp_type, p);
}

void PendingRequest::AppendResponseFrame(std::string* out) const {
  size_t produce_bytes = 0;
  for (const Outcome& o : results_) {
    produce_bytes += MessageFieldBytes(ResultBytes(o));
  }
  const size_t response_bytes =
      IntFieldBytes(static_cast<int64_t>(request_id)) +
      MessageFieldBytes(produce_bytes);
  const size_t at = out->size();
  AppendFrameHeader(static_cast<uint32_t>(response_bytes), out);
  out->resize(at + kFrameHeaderBytes + response_bytes);
  char* p = out->data() + at + kFrameHeaderBytes;
  p = PutIntField(kResponseId, static_cast<int64_t>(request_id), p);
  p = PutMessageHeader(kResponseProduce, produce_bytes, p);
  for (const Outcome& o : results_) p = PutResult(o, p);
}

RecordOutcomeCounts PendingRequest::CountOutcomes() const {
  RecordOutcomeCounts counts;
  for (const Outcome& o : results_) {
    RecordOutcome outcome = RecordOutcome::kFailed;  // also: no outcome
    if (o.kind == kDelivered) {
      outcome = RecordOutcome::kDelivered;
    } else if (o.kind == kAccepted) {
      outcome = RecordOutcome::kAccepted;
    } else if (o.kind == kError &&
               errors_[o.error]->code() == v1::ERROR_CODE_NOT_ALLOWED) {
      outcome = RecordOutcome::kDenied;
    }
    ++counts.n[static_cast<int>(outcome)];
  }
  return counts;
}

void PendingRequest::OwnRecords() {
  if (owned_request_ || request_ == nullptr) return;
  owned_request_ = std::make_unique<ProduceBatch>(*request_);
  owned_request_->Own();
  request_ = owned_request_.get();
}

void PendingRequest::ReleaseRecords() {
  request_ = nullptr;
  owned_request_.reset();
}

}  // namespace kafka_sidecar
