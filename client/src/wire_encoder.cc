#include "wire_encoder.h"

#include <algorithm>
#include <cstring>

#include "frame_codec.h"

namespace kafka_sidecar::wire {
namespace {

// Tags: (field number << 3) | wire type (0 varint, 2 length-delimited).
constexpr char kRequestId = (1 << 3) | 0;
constexpr char kRequestProduce = (3 << 3) | 2;
constexpr char kProduceRecords = (1 << 3) | 2;
constexpr char kProduceAck = (2 << 3) | 0;
constexpr char kProduceFailFast = (3 << 3) | 0;
constexpr char kRecordTopic = (1 << 3) | 2;
constexpr char kRecordKey = (2 << 3) | 2;
constexpr char kRecordValue = (3 << 3) | 2;
constexpr char kRecordHeaders = (4 << 3) | 2;
constexpr char kRecordPartition = (5 << 3) | 0;
constexpr char kRecordTimestamp = (6 << 3) | 0;
constexpr char kHeaderKey = (1 << 3) | 2;
constexpr char kHeaderValue = (2 << 3) | 2;

// Sizes of fields with a one-byte tag.
size_t BytesFieldSize(size_t length) { return 1 + VarintSize(length) + length; }
// int32 and int64 are sign-extended to 64 bits on the wire.
size_t IntFieldSize(int64_t value) {
  return 1 + VarintSize(static_cast<uint64_t>(value));
}

size_t HeaderSize(const HeaderView& header) {
  size_t size = header.key.empty() ? 0 : BytesFieldSize(header.key.size());
  if (header.value) size += BytesFieldSize(header.value->size());
  return size;
}

size_t RecordSize(const RecordView& r) {
  size_t size = r.topic.empty() ? 0 : BytesFieldSize(r.topic.size());
  if (r.key) size += BytesFieldSize(r.key->size());
  if (r.value) size += BytesFieldSize(r.value->size());
  for (const HeaderView& header : r.headers) {
    size += BytesFieldSize(HeaderSize(header));
  }
  if (r.partition) size += IntFieldSize(*r.partition);
  if (r.timestamp_ms) size += IntFieldSize(*r.timestamp_ms);
  return size;
}

// Writers advance a raw cursor into space the caller already sized.
char* PutVarint(uint64_t value, char* p) {
  while (value >= 0x80) {
    *p++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<char>(value);
  return p;
}

char* PutBytes(char tag, std::string_view bytes, char* p) {
  *p++ = tag;
  p = PutVarint(bytes.size(), p);
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

char* PutInt(char tag, int64_t value, char* p) {
  *p++ = tag;
  return PutVarint(static_cast<uint64_t>(value), p);
}

char* PutHeader(const HeaderView& header, char* p) {
  *p++ = kRecordHeaders;
  p = PutVarint(HeaderSize(header), p);
  if (!header.key.empty()) p = PutBytes(kHeaderKey, header.key, p);
  if (header.value) p = PutBytes(kHeaderValue, *header.value, p);
  return p;
}

char* PutRecord(const RecordView& r, char* p) {
  if (!r.topic.empty()) p = PutBytes(kRecordTopic, r.topic, p);
  if (r.key) p = PutBytes(kRecordKey, *r.key, p);
  if (r.value) p = PutBytes(kRecordValue, *r.value, p);
  for (const HeaderView& header : r.headers) p = PutHeader(header, p);
  if (r.partition) p = PutInt(kRecordPartition, *r.partition, p);
  if (r.timestamp_ms) p = PutInt(kRecordTimestamp, *r.timestamp_ms, p);
  return p;
}

// A bool is a one-byte varint.
constexpr size_t kBoolFieldSize = 2;

size_t SuffixBytes(const ProduceFlags& flags) {
  size_t size = 0;
  if (flags.ack != AckMode::kDelivered) {
    size += IntFieldSize(static_cast<int>(flags.ack));
  }
  if (flags.fail_fast) size += kBoolFieldSize;
  return size;
}

size_t ProduceBodyBytes(size_t records_bytes, const ProduceFlags& flags) {
  return records_bytes + SuffixBytes(flags);
}

size_t RequestBytes(uint64_t id, size_t records_bytes,
                    const ProduceFlags& flags) {
  return IntFieldSize(static_cast<int64_t>(id)) +
         BytesFieldSize(ProduceBodyBytes(records_bytes, flags));
}

}  // namespace

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void AppendRecordField(const RecordView& record, std::string* out) {
  const size_t record_size = RecordSize(record);
  const size_t old_size = out->size();
  out->resize(old_size + BytesFieldSize(record_size));
  char* p = out->data() + old_size;
  *p++ = kProduceRecords;
  p = PutVarint(record_size, p);
  PutRecord(record, p);
}

void AppendProducePrefix(uint64_t id, size_t records_bytes,
                         const ProduceFlags& flags, std::string* out) {
  AppendFrameHeader(
      static_cast<uint32_t>(RequestBytes(id, records_bytes, flags)), out);
  char buffer[2 * 11];
  char* p = PutInt(kRequestId, static_cast<int64_t>(id), buffer);
  *p++ = kRequestProduce;
  p = PutVarint(ProduceBodyBytes(records_bytes, flags), p);
  out->append(buffer, p);
}

// proto3 omits default values: a DELIVERED request without fail_fast has
// no suffix at all.
void AppendProduceSuffix(const ProduceFlags& flags, std::string* out) {
  char buffer[11 + kBoolFieldSize];
  char* p = buffer;
  if (flags.ack != AckMode::kDelivered) {
    p = PutInt(kProduceAck, static_cast<int>(flags.ack), p);
  }
  if (flags.fail_fast) p = PutInt(kProduceFailFast, 1, p);
  if (p != buffer) out->append(buffer, p);
}

size_t ProduceFrameBytes(uint64_t id, size_t records_bytes,
                         const ProduceFlags& flags) {
  return kFrameHeaderBytes + RequestBytes(id, records_bytes, flags);
}

size_t RecordFieldsBytes(std::string_view fields, size_t count) {
  size_t offset = 0;
  for (size_t i = 0; i < count && offset < fields.size(); ++i) {
    ++offset;  // the one-byte kProduceRecords tag
    uint64_t length = 0;
    for (int shift = 0; offset < fields.size(); shift += 7) {
      const auto byte = static_cast<uint8_t>(fields[offset++]);
      length |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    offset += length;
  }
  return std::min(offset, fields.size());
}

}  // namespace kafka_sidecar::wire
