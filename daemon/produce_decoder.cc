#include "produce_decoder.h"

#include <google/protobuf/stubs/common.h>

namespace kafka_sidecar {
namespace {

// Wire types (the low 3 bits of a tag).
constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLengthDelimited = 2;
constexpr int kFixed32 = 5;

// A cursor over one message's bytes. Every method returns false on bytes
// it does not accept; the caller then leaves the frame to protobuf.
class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())),
        end_(p_ + bytes.size()) {}

  bool done() const { return p_ == end_; }

  // Up to 10 bytes; a 10th byte carrying bits past 64 is not handled.
  bool Varint(uint64_t* value) {
    uint64_t result = 0;
    for (int i = 0; i < 10 && p_ != end_; ++i) {
      const uint8_t byte = *p_++;
      if (i == 9 && byte > 1) return false;
      result |= uint64_t{byte & 0x7fu} << (7 * i);
      if (byte < 0x80) {
        *value = result;
        return true;
      }
    }
    return false;
  }

  // A tag fits 32 bits (5 bytes); field 0 is invalid.
  bool Tag(uint32_t* field, int* wire_type) {
    const uint8_t* start = p_;
    uint64_t tag = 0;
    if (!Varint(&tag) || p_ - start > 5 || tag > UINT32_MAX) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<int>(tag & 7);
    return *field != 0;
  }

  bool LengthDelimited(std::string_view* bytes) {
    uint64_t length = 0;
    const uint8_t* start = p_;
    if (!Varint(&length) || p_ - start > 5) return false;
    if (length > static_cast<uint64_t>(end_ - p_)) return false;
    *bytes = std::string_view(reinterpret_cast<const char*>(p_), length);
    p_ += length;
    return true;
  }

  // A proto3 `string`: valid UTF-8 or the whole message is invalid.
  bool String(std::string_view* text) {
    if (!LengthDelimited(text)) return false;
    for (const char c : *text) {
      if (static_cast<uint8_t>(c) >= 0x80) {
        return google::protobuf::internal::IsStructurallyValidUTF8(
            text->data(), static_cast<int>(text->size()));
      }
    }
    return true;
  }

  // An unknown field. Groups (wire types 3, 4) are left to protobuf.
  bool Skip(int wire_type) {
    uint64_t ignored;
    std::string_view bytes;
    switch (wire_type) {
      case kVarint:
        return Varint(&ignored);
      case kFixed64:
        return Advance(8);
      case kLengthDelimited:
        return LengthDelimited(&bytes);
      case kFixed32:
        return Advance(4);
      default:
        return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
};

// Field numbers and wire types of sidecar.proto. A known field number with
// another wire type is an unknown field to protobuf; it is left to it.
bool ReadHeader(std::string_view bytes, ProduceHeader* header) {
  Reader r(bytes);
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.Tag(&field, &wire)) return false;
    if (field == 1 && wire == kLengthDelimited) {
      if (!r.String(&header->key)) return false;
    } else if (field == 2 && wire == kLengthDelimited) {
      if (!r.LengthDelimited(&header->value)) return false;
      header->has_value = true;
    } else if (field <= 2 || !r.Skip(wire)) {
      return false;
    }
  }
  return true;
}

bool ReadRecord(std::string_view bytes, ProduceBatch* out) {
  ProduceRecord record;
  record.first_header = static_cast<uint32_t>(out->headers.size());
  Reader r(bytes);
  uint64_t number = 0;
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.Tag(&field, &wire)) return false;
    const bool delimited = wire == kLengthDelimited;
    if (field == 1 && delimited) {
      if (!r.String(&record.topic)) return false;
    } else if (field == 2 && delimited) {
      if (!r.LengthDelimited(&record.key)) return false;
      record.has_key = true;
    } else if (field == 3 && delimited) {
      if (!r.LengthDelimited(&record.value)) return false;
      record.has_value = true;
    } else if (field == 4 && delimited) {
      std::string_view header_bytes;
      if (!r.LengthDelimited(&header_bytes)) return false;
      if (!ReadHeader(header_bytes, &out->headers.emplace_back())) return false;
    } else if (field == 5 && wire == kVarint) {
      if (!r.Varint(&number)) return false;
      record.partition = static_cast<int32_t>(number);  // as protobuf: low bits
      record.has_partition = true;
    } else if (field == 6 && wire == kVarint) {
      if (!r.Varint(&number)) return false;
      record.timestamp_ms = static_cast<int64_t>(number);
      record.has_timestamp = true;
    } else if (field <= 6 || !r.Skip(wire)) {
      return false;
    }
  }
  record.header_count =
      static_cast<uint32_t>(out->headers.size()) - record.first_header;
  out->records.push_back(record);
  return true;
}

// One `produce` field; a second one merges into the first, as in protobuf.
bool ReadProduce(std::string_view bytes, ProduceBatch* out) {
  Reader r(bytes);
  uint64_t number = 0;
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.Tag(&field, &wire)) return false;
    if (field == 1 && wire == kLengthDelimited) {
      std::string_view record_bytes;
      if (!r.LengthDelimited(&record_bytes)) return false;
      if (!ReadRecord(record_bytes, out)) return false;
    } else if (field == 2 && wire == kVarint) {
      if (!r.Varint(&number)) return false;
      out->ack = static_cast<int32_t>(number);  // an open enum keeps any value
    } else if (field == 3 && wire == kVarint) {
      if (!r.Varint(&number)) return false;
      out->fail_fast = number != 0;
    } else if (field <= 3 || !r.Skip(wire)) {
      return false;
    }
  }
  return true;
}

size_t ViewedBytes(const ProduceBatch& batch) {
  size_t n = 0;
  for (const ProduceRecord& r : batch.records) {
    n += r.topic.size() + r.key.size() + r.value.size();
  }
  for (const ProduceHeader& h : batch.headers)
    n += h.key.size() + h.value.size();
  return n;
}

std::string_view Keep(std::string_view bytes, std::string* owned) {
  const size_t at = owned->size();
  owned->append(bytes);
  return std::string_view(owned->data() + at, bytes.size());
}

}  // namespace

void ProduceBatch::Clear() {
  id = 0;
  ack = 0;
  fail_fast = false;
  records.clear();
  headers.clear();
  owned.clear();
}

void ProduceBatch::Own() {
  std::string bytes;
  bytes.reserve(ViewedBytes(*this));  // no reallocation below: views stay
  for (ProduceRecord& r : records) {
    r.topic = Keep(r.topic, &bytes);
    r.key = Keep(r.key, &bytes);
    r.value = Keep(r.value, &bytes);
  }
  for (ProduceHeader& h : headers) {
    h.key = Keep(h.key, &bytes);
    h.value = Keep(h.value, &bytes);
  }
  owned = std::move(bytes);  // a move keeps the buffer
}

DecodeResult DecodeProduceRequest(std::string_view payload, ProduceBatch* out) {
  out->Clear();
  Reader r(payload);
  bool produce = false;
  while (!r.done()) {
    uint32_t field;
    int wire;
    if (!r.Tag(&field, &wire)) return DecodeResult::kOther;
    if (field == 1 && wire == kVarint) {
      if (!r.Varint(&out->id)) return DecodeResult::kOther;
    } else if (field == 3 && wire == kLengthDelimited) {
      std::string_view body;
      if (!r.LengthDelimited(&body) || !ReadProduce(body, out)) {
        return DecodeResult::kOther;
      }
      produce = true;
    } else if (field <= 5 || !r.Skip(wire)) {
      return DecodeResult::kOther;  // another request kind, or unusual bytes
    }
  }
  return produce ? DecodeResult::kProduce : DecodeResult::kOther;
}

void ViewProduceRequest(uint64_t id, const v1::ProduceRequest& request,
                        ProduceBatch* out) {
  out->Clear();
  out->id = id;
  out->ack = request.ack();
  out->fail_fast = request.fail_fast();
  out->records.reserve(static_cast<size_t>(request.records_size()));
  for (const v1::Record& r : request.records()) {
    ProduceRecord& record = out->records.emplace_back();
    record.topic = r.topic();
    record.has_key = r.has_key();
    if (r.has_key()) record.key = r.key();
    record.has_value = r.has_value();
    if (r.has_value()) record.value = r.value();
    record.has_partition = r.has_partition();
    record.partition = r.partition();
    record.has_timestamp = r.has_timestamp_ms();
    record.timestamp_ms = r.timestamp_ms();
    record.first_header = static_cast<uint32_t>(out->headers.size());
    record.header_count = static_cast<uint32_t>(r.headers_size());
    for (const v1::Header& h : r.headers()) {
      out->headers.push_back({h.key(), h.value(), h.has_value()});
    }
  }
}

bool SameProduce(const ProduceBatch& a, const ProduceBatch& b) {
  if (a.id != b.id || a.ack != b.ack || a.fail_fast != b.fail_fast ||
      a.records.size() != b.records.size() ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.records.size(); ++i) {
    const ProduceRecord& x = a.records[i];
    const ProduceRecord& y = b.records[i];
    if (x.topic != y.topic || x.has_key != y.has_key || x.key != y.key ||
        x.has_value != y.has_value || x.value != y.value ||
        x.has_partition != y.has_partition || x.partition != y.partition ||
        x.has_timestamp != y.has_timestamp ||
        x.timestamp_ms != y.timestamp_ms || x.first_header != y.first_header ||
        x.header_count != y.header_count) {
      return false;
    }
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    const ProduceHeader& x = a.headers[i];
    const ProduceHeader& y = b.headers[i];
    if (x.key != y.key || x.has_value != y.has_value || x.value != y.value) {
      return false;
    }
  }
  return true;
}

}  // namespace kafka_sidecar
