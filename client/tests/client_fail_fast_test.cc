// ClientOptions::fail_fast and `kafka-sidecar produce --fail-fast` against a
// real kafka-sidecard whose Kafka is unreachable and whose producer queue
// holds 10 messages, so it is full after the first 10 records and stays
// full. With fail_fast the records that do not fit fail at once with
// QUEUE_FULL; without it the request waits (the daemon stops reading the
// connection) until SIGTERM answers it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon_process.h"
#include "e2e_util.h"
#include "kafka_sidecar/client.h"

namespace kafka_sidecar {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::DaemonProcess;
using testing::TestClientOptions;
using Results = std::vector<Result<RecordMetadata>>;

constexpr size_t kQueueMessages = 10;
constexpr size_t kRecords = 20;

std::vector<Record> Records(const std::string& topic) {
  std::vector<Record> records;
  for (size_t i = 0; i < kRecords; ++i) {
    records.push_back({.topic = topic, .value = std::to_string(i)});
  }
  return records;
}

// Each test gets a daemon of its own: the records it queues never leave.
class ClientFailFastTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(
        "",
        std::vector<std::string>{
            "-b", "127.0.0.1:1", "-X",
            "queue.buffering.max.messages=" + std::to_string(kQueueMessages),
            "--shutdown-timeout-ms", "500"},
        /*embedded_kafka=*/false);
    ASSERT_TRUE(daemon_->ok()) << "daemon did not start";
  }

  std::unique_ptr<DaemonProcess> daemon_;
};

void ExpectAccepted(const Results& results, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().ToString();
    EXPECT_EQ(results[i]->offset, RecordMetadata::kUnknown) << i;
  }
}

void ExpectFailed(const Results& results, size_t begin, size_t end,
                  std::string_view code) {
  for (size_t i = begin; i < end; ++i) {
    ASSERT_FALSE(results[i].ok()) << i;
    const Error& error = results[i].error();
    EXPECT_EQ(error.code, code) << i << ": " << error.ToString();
    EXPECT_TRUE(error.retriable) << i;
    EXPECT_EQ(error.persistence, Persistence::kNotPersisted) << i;
  }
}

TEST_F(ClientFailFastTest, RecordsThatDoNotFitFailAtOnceWithQueueFull) {
  ClientOptions options = TestClientOptions(daemon_->socket_path());
  options.fail_fast = true;
  Client client(options);
  const auto start = std::chrono::steady_clock::now();
  const Results results =
      client.ProduceBatch(Records("fail-fast"), AckMode::kAccepted);
  // The daemon's own verdict, not the client's 30 s request timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
  ASSERT_EQ(results.size(), kRecords);
  ExpectAccepted(results, 0, kQueueMessages);
  ExpectFailed(results, kQueueMessages, kRecords, error_code::kQueueFull);
  // The connection goes on: a single record is refused the same way.
  Result<RecordMetadata> one = client.Produce(
      Record{.topic = "fail-fast", .value = "x"}, AckMode::kAccepted);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().code, error_code::kQueueFull);
}

// Without fail_fast the daemon holds the request (and stops reading the
// connection) until space frees, which never happens here. SIGTERM answers
// it: the records queued are ACCEPTED, the others SHUTTING_DOWN (never
// queued, safe to send again).
TEST_F(ClientFailFastTest, WithoutFailFastTheRequestWaitsUntilShutdown) {
  auto promise = std::make_shared<std::promise<Results>>();
  std::future<Results> future = promise->get_future();
  Client client(TestClientOptions(daemon_->socket_path()));
  client.ProduceBatchAsync(
      Records("no-fail-fast"), AckMode::kAccepted,
      [promise](Results results) { promise->set_value(std::move(results)); });
  // The one place a bounded wait is the assertion: no answer while full.
  ASSERT_EQ(future.wait_for(milliseconds(1500)), std::future_status::timeout);
  const int status = daemon_->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_EQ(future.wait_for(seconds(10)), std::future_status::ready);
  const Results results = future.get();
  ASSERT_EQ(results.size(), kRecords);
  ExpectAccepted(results, 0, kQueueMessages);
  ExpectFailed(results, kQueueMessages, kRecords, error_code::kShuttingDown);
}

TEST_F(ClientFailFastTest, CliFailFastReportsTheRecordsThatDidNotFit) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < kRecords; ++i) {
    lines.push_back("line " + std::to_string(i));
  }
  const testing::CliRun run = testing::RunCli(
      "produce -t fail-fast-cli --ack accepted --fail-fast -s " +
          daemon_->socket_path(),
      lines);
  const std::string& errors = run.errors;
  ASSERT_TRUE(run.exited) << errors;
  EXPECT_NE(run.exit_code, 0) << errors;
  EXPECT_NE(errors.find("records 11-20 failed: QUEUE_FULL"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("20 messages, 10 failed"), std::string::npos) << errors;
}

}  // namespace
}  // namespace kafka_sidecar
