// The client against a kafka-sidecard whose frame limit (--max-frame-bytes,
// announced in its Hello) is far below the size of a batch: the batch goes
// out as several requests, a record too large for any request fails alone,
// and the CLI delivers every line. Read back with kcat.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "daemon_process.h"
#include "e2e_util.h"
#include "kafka_sidecar/client.h"

namespace kafka_sidecar {
namespace {

using testing::DaemonProcess;
using testing::ReadBack;
using testing::TestClientOptions;
using Results = std::vector<Result<RecordMetadata>>;

constexpr size_t kMaxFrameBytes = 64 << 10;

// Record `i`'s value, `size` bytes long: its index first, so the order
// shows in what is read back.
std::string Value(size_t i, size_t size) {
  std::string value = std::to_string(i) + ":";
  value.resize(std::max(size, value.size()), 'v');
  return value;
}

// What ReadBack prints for a record with `value`, no key and no headers.
std::string Line(const std::string& value) {
  return "NULL|" + std::to_string(value.size()) + "|" + value + "|";
}

std::vector<Record> Records(size_t count, size_t value_bytes) {
  std::vector<Record> records;
  for (size_t i = 0; i < count; ++i) {
    records.push_back({.value = Value(i, value_bytes), .partition = 0});
  }
  return records;
}

std::vector<std::string> Lines(const std::vector<Record>& records,
                               const std::string& topic) {
  std::vector<std::string> lines;
  for (const Record& record : records) {
    if (record.topic == topic) lines.push_back(Line(*record.value));
  }
  return lines;
}

size_t EncodedBytes(const std::vector<Record>& records) {
  RecordBatch batch;
  for (const Record& record : records) batch.Add(record);
  return batch.encoded_bytes();
}

class ClientFrameLimitTest : public testing::SharedDaemonTest {
 public:
  static void SetUpTestSuite() {
    StartDaemon({"--max-frame-bytes", std::to_string(kMaxFrameBytes)});
  }
};

// Each record of `results` in [begin, end) landed right after the previous.
void ExpectConsecutive(const Results& results, size_t begin, size_t end) {
  for (size_t i = begin + 1; i < end; ++i) {
    EXPECT_EQ(results[i]->offset, results[i - 1]->offset + 1) << i;
  }
}

TEST_F(ClientFrameLimitTest, BatchLargerThanTheFrameLimitIsSplit) {
  std::vector<Record> records = Records(300, 1000);
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].topic = i < 170 ? "frame-split-a" : "frame-split-b";
  }
  ASSERT_GT(EncodedBytes(records), 4 * kMaxFrameBytes);
  Client client(TestClientOptions(daemon_->socket_path()));
  const Results results = client.ProduceBatch(records);
  ASSERT_EQ(results.size(), records.size());
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().ToString();
    EXPECT_EQ(results[i]->topic, records[i].topic) << i;
    EXPECT_EQ(results[i]->partition, 0) << i;
  }
  ExpectConsecutive(results, 0, 170);
  ExpectConsecutive(results, 170, 300);
  EXPECT_EQ(ReadBack(daemon_->bootstrap(), "frame-split-a"),
            Lines(records, "frame-split-a"));
  EXPECT_EQ(ReadBack(daemon_->bootstrap(), "frame-split-b"),
            Lines(records, "frame-split-b"));
}

TEST_F(ClientFrameLimitTest, RecordTooLargeForAnyRequestFailsAlone) {
  std::vector<Record> records = Records(300, 1000);
  for (Record& record : records) record.topic = "frame-huge";
  records[150].value = Value(150, 2 * kMaxFrameBytes);
  Client client(TestClientOptions(daemon_->socket_path()));
  const Results results = client.ProduceBatch(records);
  ASSERT_EQ(results.size(), records.size());
  for (size_t i = 0; i < results.size(); ++i) {
    if (i == 150) continue;
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().ToString();
  }
  ASSERT_FALSE(results[150].ok());
  const Error& error = results[150].error();
  EXPECT_EQ(error.code, error_code::kFrameTooLarge);
  EXPECT_EQ(error.persistence, Persistence::kNotPersisted);
  EXPECT_NE(error.message.find(std::to_string(kMaxFrameBytes)),
            std::string::npos)
      << error.message;
  ExpectConsecutive(results, 0, 150);
  EXPECT_EQ(results[151]->offset, results[149]->offset + 1);
  ExpectConsecutive(results, 151, 300);
  records.erase(records.begin() + 150);
  EXPECT_EQ(ReadBack(daemon_->bootstrap(), "frame-huge"),
            Lines(records, "frame-huge"));
  // Refused before sending: the connection goes on.
  EXPECT_TRUE(client.Produce(Record{.topic = "frame-huge", .value = "x"}).ok());
}

// `kafka-sidecar produce` sends 2000-line batches: here each is several
// times the frame limit.
TEST_F(ClientFrameLimitTest, CliDeliversEveryLineOfBatchesOverTheLimit) {
  constexpr size_t kLines = 5000;
  std::vector<std::string> lines;
  std::vector<std::string> expected;
  for (size_t i = 0; i < kLines; ++i) {
    lines.push_back(Value(i, 120));
    expected.push_back(Line(lines.back()));
  }
  ASSERT_GT(2000 * 120, 3 * kMaxFrameBytes);
  const testing::CliRun run = testing::RunCli(
      "produce -t frame-cli -p 0 -s " + daemon_->socket_path(), lines);
  const std::string& errors = run.errors;
  ASSERT_TRUE(run.exited) << errors;
  EXPECT_EQ(run.exit_code, 0) << errors;
  EXPECT_NE(errors.find("5000 messages, 0 failed"), std::string::npos)
      << errors;
  EXPECT_EQ(ReadBack(daemon_->bootstrap(), "frame-cli"), expected);
}

}  // namespace
}  // namespace kafka_sidecar
