// Reads records back from Kafka with an independent librdkafka consumer, so
// tests check what the cluster stored, not what the daemon said.
#ifndef KAFKA_SIDECAR_TESTS_KAFKA_READER_H_
#define KAFKA_SIDECAR_TESTS_KAFKA_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kafka_sidecar::testing {

struct StoredRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp_ms = -1;
};

// Reads `count` records of `topic` from the beginning of every partition
// (waits up to `timeout_ms`); returns what it got, sorted by
// (partition, offset).
std::vector<StoredRecord> ReadTopic(const std::string& bootstrap,
                                    const std::string& topic, size_t count,
                                    int timeout_ms = 30000);

// Sum of the high watermarks of `topic`'s partitions.
int64_t HighWatermarkSum(const std::string& bootstrap,
                         const std::string& topic);

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_TESTS_KAFKA_READER_H_
