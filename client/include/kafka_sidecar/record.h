// What a client sends (Record, RecordView) and what it gets back
// (RecordMetadata, PingInfo). Plain value types.
#ifndef KAFKA_SIDECAR_CLIENT_RECORD_H_
#define KAFKA_SIDECAR_CLIENT_RECORD_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafka_sidecar {

// When the daemon answers a produce request. Values are sidecar.proto's.
enum class AckMode {
  kDelivered = 0,  // once Kafka acknowledged or definitively failed a record
  kAccepted = 1,   // once the daemon queued each record in its producer
  kNone = 2,       // never: fire and forget; the daemon counts failures
};

// A header value of nullopt is a null header.
using Header = std::pair<std::string, std::optional<std::string>>;

struct Record {
  std::string topic = {};
  std::optional<std::string> key = {};    // nullopt: null key
  std::optional<std::string> value = {};  // nullopt: null value (tombstone)
  std::vector<Header> headers = {};
  std::optional<int32_t> partition = {};     // nullopt: the partitioner picks
  std::optional<int64_t> timestamp_ms = {};  // nullopt: the producer's clock
};

// Non-owning twin of Record for callers that already hold the bytes (the
// CLI): nothing is copied until the record is encoded into a RecordBatch.
struct HeaderView {
  std::string_view key;
  std::optional<std::string_view> value;
};

struct RecordView {
  std::string_view topic = {};
  std::optional<std::string_view> key = {};
  std::optional<std::string_view> value = {};
  std::span<const HeaderView> headers = {};
  std::optional<int32_t> partition = {};
  std::optional<int64_t> timestamp_ms = {};
};

// Where a record landed. With AckMode::kAccepted and kNone Kafka has not
// answered yet, so partition, offset and timestamp_ms are kUnknown.
struct RecordMetadata {
  static constexpr int64_t kUnknown = -1;

  std::string topic = {};
  int32_t partition = static_cast<int32_t>(kUnknown);
  int64_t offset = kUnknown;
  int64_t timestamp_ms = kUnknown;
};

// The daemon's health, as answered to a ping.
struct PingInfo {
  std::string daemon_version;
  uint32_t protocol_version = 0;
  bool kafka_reachable = false;  // at least one broker connection is up
  uint32_t brokers_up = 0;
  uint32_t brokers_total = 0;
  std::chrono::milliseconds uptime{0};
  uint64_t in_flight_records = 0;  // handed to Kafka, not yet acknowledged
  uint32_t connections = 0;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_RECORD_H_
