// Produce requests as the daemon handles them: views of each record's
// fields, and a hand-written reader that fills them straight from the frame
// bytes for the hot shape, Request{id, produce}.
//
// Why: the generated parser built a message object per record and copied
// every key, value and topic onto an arena, ~20% of the loop thread. The
// reader is a protobuf reader, not a shortcut: fields in any order, unknown
// fields skipped, repeated fields appended, last value wins for the rest,
// repeated `produce` fields merged, strings checked for UTF-8 as proto3
// requires. Whatever it does not handle (another request kind, groups, a
// wire type that does not match the field, invalid UTF-8, malformed bytes)
// it leaves to the generated parser, so errors are exactly the generated
// parser's. produce_decoder_test and fuzz/produce_decoder_fuzzer check it
// against the generated parser.
//
// Plain functions and value types; any thread.
#ifndef KAFKA_SIDECAR_DAEMON_PRODUCE_DECODER_H_
#define KAFKA_SIDECAR_DAEMON_PRODUCE_DECODER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar.pb.h"

namespace kafka_sidecar {

struct ProduceHeader {
  std::string_view key;
  std::string_view value;
  bool has_value = false;
};

struct ProduceRecord {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
  uint32_t first_header = 0;  // index into ProduceBatch::headers
  uint32_t header_count = 0;
  int32_t partition = 0;
  int64_t timestamp_ms = 0;
  bool has_key = false;
  bool has_value = false;
  bool has_partition = false;
  bool has_timestamp = false;
};

// One produce request. The views point into the frame, a parsed message, or
// `owned` (after Own()).
struct ProduceBatch {
  uint64_t id = 0;
  int32_t ack = 0;  // v1::AckMode, possibly a value this daemon does not know
  bool fail_fast = false;
  std::vector<ProduceRecord> records;
  std::vector<ProduceHeader> headers;
  std::string owned;

  void Clear();
  // Copies every viewed byte into `owned` and views that instead.
  void Own();
};

enum class DecodeResult {
  kProduce,  // `*out` holds the request
  kOther,    // use the generated parser: another kind, or not handled here
};

// Reads a Request frame payload. `*out` is cleared first and reused.
DecodeResult DecodeProduceRequest(std::string_view payload, ProduceBatch* out);

// Views a request parsed by the generated code (which must outlive `*out`,
// or call Own()).
void ViewProduceRequest(uint64_t id, const v1::ProduceRequest& request,
                        ProduceBatch* out);

// Field by field, views compared by content.
bool SameProduce(const ProduceBatch& a, const ProduceBatch& b);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_PRODUCE_DECODER_H_
