// The client against a real kafka-sidecard (embedded mock Kafka, --dev), read
// back with kcat where contents matter.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon_process.h"
#include "e2e_util.h"
#include "kafka_sidecar/client.h"
#include "produce_command.h"

namespace kafka_sidecar {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::DaemonProcess;
using testing::ReadBack;
using testing::TestClientOptions;

class ClientE2eTest : public testing::SharedDaemonTest {};

TEST_F(ClientE2eTest, ProduceReportsWhereEachRecordLanded) {
  Client client(TestClientOptions(daemon_->socket_path()));
  Record record{.topic = "e2e-sync", .value = "one", .partition = 0};
  Result<RecordMetadata> first = client.Produce(record);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->topic, "e2e-sync");
  EXPECT_EQ(first->partition, 0);
  EXPECT_GE(first->offset, 0);
  EXPECT_GT(first->timestamp_ms, 0);
  Result<RecordMetadata> second = client.Produce(record);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->offset, first->offset + 1);
}

TEST_F(ClientE2eTest, PingReportsTheDaemonAndKafka) {
  Client client(TestClientOptions(daemon_->socket_path()));
  Result<PingInfo> ping = client.Ping();
  for (int i = 0; i < 50 && ping.ok() && !ping->kafka_reachable; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    ping = client.Ping();
  }
  ASSERT_TRUE(ping.ok()) << ping.error().ToString();
  EXPECT_FALSE(ping->daemon_version.empty());
  EXPECT_EQ(ping->protocol_version, 1u);
  EXPECT_TRUE(ping->kafka_reachable);
  EXPECT_GE(ping->brokers_total, 1u);
  EXPECT_GE(ping->connections, 1u);
}

TEST_F(ClientE2eTest, ThousandsPipelinedFromManyThreadsOnOneConnection) {
  Client client(TestClientOptions(daemon_->socket_path()));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::mutex mu;
  std::set<std::pair<int32_t, int64_t>> landed;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        client.ProduceAsync(
            Record{.topic = "e2e-pipelined",
                   .value = std::to_string(t) + ":" + std::to_string(i)},
            [&](Result<RecordMetadata> result) {
              if (!result.ok()) {
                ++failed;
                return;
              }
              std::lock_guard lock(mu);
              landed.emplace(result->partition, result->offset);
            });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(client.Flush(seconds(60)).ok());
  EXPECT_EQ(client.in_flight(), 0u);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(landed.size(), size_t{kThreads * kPerThread});  // no duplicates
}

TEST_F(ClientE2eTest, BatchRoundTripsKeysTombstonesAndHeaders) {
  Client client(TestClientOptions(daemon_->socket_path()));
  std::vector<Record> records = {
      {.topic = "e2e-readback",
       .key = "k1",
       .value = "v1",
       .headers = {{"h", "x"}},
       .partition = 0},
      {.topic = "e2e-readback", .key = "k2", .partition = 0},  // tombstone
      {.topic = "e2e-readback", .value = "", .partition = 0},  // empty value
      {.topic = "e2e-other", .value = "elsewhere"},
  };
  const auto results = client.ProduceBatch(records);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.error().ToString();
  }
  EXPECT_EQ(results[0]->topic, "e2e-readback");
  EXPECT_EQ(results[1]->offset, results[0]->offset + 1);
  EXPECT_EQ(results[3]->topic, "e2e-other");
  // %S, the value size, tells null (-1) from empty (0): kcat -Z prints
  // both as NULL.
  EXPECT_EQ(
      ReadBack(daemon_->bootstrap(), "e2e-readback"),
      (std::vector<std::string>{"k1|2|v1|h=x", "k2|-1|NULL|", "NULL|0|NULL|"}));
}

TEST_F(ClientE2eTest, FutureAsyncBatchAcceptedAndFireAndForget) {
  Client client(TestClientOptions(daemon_->socket_path()));
  std::future<Result<RecordMetadata>> future =
      client.ProduceFuture(Record{.topic = "e2e-modes", .value = "f"});
  std::promise<std::vector<Result<RecordMetadata>>> batch_done;
  client.ProduceBatchAsync(
      std::vector<Record>{{.topic = "e2e-modes", .value = "b1"},
                          {.topic = "e2e-modes", .value = "b2"}},
      AckMode::kDelivered, [&](std::vector<Result<RecordMetadata>> results) {
        batch_done.set_value(std::move(results));
      });
  Result<RecordMetadata> accepted = client.Produce(
      Record{.topic = "e2e-modes", .value = "a"}, AckMode::kAccepted);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  EXPECT_EQ(accepted->offset, RecordMetadata::kUnknown);
  EXPECT_TRUE(client.Send(Record{.topic = "e2e-modes", .value = "n"}).ok());
  Result<RecordMetadata> delivered = future.get();
  ASSERT_TRUE(delivered.ok()) << delivered.error().ToString();
  EXPECT_GE(delivered->offset, 0);
  for (const auto& result : batch_done.get_future().get()) {
    ASSERT_TRUE(result.ok()) << result.error().ToString();
  }
}

TEST_F(ClientE2eTest, BadRecordsGetPreciseErrorsAndTheConnectionGoesOn) {
  Client client(TestClientOptions(daemon_->socket_path()));
  Result<RecordMetadata> no_topic = client.Produce(Record{.value = "x"});
  ASSERT_FALSE(no_topic.ok());
  EXPECT_FALSE(no_topic.error().code.empty());
  EXPECT_FALSE(no_topic.error().message.empty());
  Result<RecordMetadata> bad_partition = client.Produce(
      Record{.topic = "e2e-bad", .value = "x", .partition = 999});
  ASSERT_FALSE(bad_partition.ok());
  EXPECT_EQ(bad_partition.error().code, error_code::kKafka);
  EXPECT_NE(bad_partition.error().kafka_code, 0);
  // Too big to send: refused before a byte leaves, so nothing is lost.
  Result<RecordMetadata> huge = client.Produce(
      Record{.topic = "e2e-bad", .value = std::string(5 << 20, 'x')});
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, error_code::kFrameTooLarge);
  EXPECT_EQ(huge.error().persistence, Persistence::kNotPersisted);
  EXPECT_TRUE(client.Produce(Record{.topic = "e2e-bad", .value = "ok"}).ok());
}

// Runs `kafka-sidecar produce` on `input`; returns {exit code, stderr}.
std::pair<int, std::string> RunCli(cli::ProduceOptions options,
                                   std::string input) {
  cli::LineReader reader(
      [input = std::move(input), offset = size_t{0}](char* buffer,
                                                     size_t size) mutable {
        const size_t n = input.copy(buffer, size, offset);
        offset += n;
        return static_cast<ssize_t>(n);
      },
      4096);
  char* text = nullptr;
  size_t size = 0;
  std::FILE* err = ::open_memstream(&text, &size);
  const int code = cli::RunProduce(options, reader, stdout, err);
  std::fclose(err);
  std::string errors(text, size);
  std::free(text);
  return {code, errors};
}

TEST_F(ClientE2eTest, CliProducesEveryLineAndReportsFailures) {
  cli::ProduceOptions options;
  options.client = TestClientOptions(daemon_->socket_path());
  options.topic = "e2e-cli";
  options.batch_records = 300;  // several requests, several in flight
  options.window = 3;
  std::string lines;
  for (int i = 0; i < 10000; ++i) lines += "line " + std::to_string(i) + "\n";
  auto [code, errors] = RunCli(options, lines);
  EXPECT_EQ(code, 0) << errors;
  EXPECT_NE(errors.find("10000 messages, 0 failed"), std::string::npos)
      << errors;

  options.partition = 999;
  std::tie(code, errors) = RunCli(options, "a\nb\nc");
  EXPECT_EQ(code, 1);
  EXPECT_NE(errors.find("records 1-3 failed: _UNKNOWN_PARTITION"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("3 messages, 3 failed"), std::string::npos) << errors;
}

// A daemon that takes at most 5 records per request (from its config
// file): batches larger than that are split by the client, not refused.
TEST(ClientRecordLimitTest, BatchesLargerThanTheDaemonLimitAreSplit) {
  char dir[] = "/tmp/ks-limit-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string config_path = std::string(dir) + "/sidecar.toml";
  {
    std::FILE* file = std::fopen(config_path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("max_records_per_request = 5\n", file);
    std::fclose(file);
  }
  DaemonProcess daemon("", {"--config", config_path});
  ASSERT_TRUE(daemon.ok());
  Client client(TestClientOptions(daemon.socket_path()));
  std::vector<Record> records;
  for (int i = 0; i < 23; ++i) {
    records.push_back({.topic = i < 12 ? "limit-a" : "limit-b",
                       .value = "r" + std::to_string(i),
                       .partition = 0});
  }
  const auto results = client.ProduceBatch(records);
  ASSERT_EQ(results.size(), records.size());
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().ToString();
    EXPECT_EQ(results[i]->topic, records[i].topic) << i;
  }
  EXPECT_EQ(results[11]->offset, results[0]->offset + 11);
  EXPECT_EQ(results[22]->offset, results[12]->offset + 10);
  std::vector<std::string> expect_a, expect_b;
  for (int i = 0; i < 23; ++i) {
    (i < 12 ? expect_a : expect_b)
        .push_back("NULL|" + std::to_string(std::to_string(i).size() + 1) +
                   "|r" + std::to_string(i) + "|");
  }
  EXPECT_EQ(ReadBack(daemon.bootstrap(), "limit-a"), expect_a);
  EXPECT_EQ(ReadBack(daemon.bootstrap(), "limit-b"), expect_b);

  cli::ProduceOptions options;
  options.client = TestClientOptions(daemon.socket_path());
  options.topic = "limit-cli";
  options.batch_records = 300;
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "line " + std::to_string(i) + "\n";
  auto [code, errors] = RunCli(options, lines);
  EXPECT_EQ(code, 0) << errors;
  EXPECT_NE(errors.find("1000 messages, 0 failed"), std::string::npos)
      << errors;
  std::remove(config_path.c_str());
  ::rmdir(dir);
}

TEST(ClientDaemonLifecycleTest, LostConnectionFailsInFlightThenReconnects) {
  // `daemon` owns the temp dir that holds the socket: it stays until the end.
  auto daemon = std::make_unique<DaemonProcess>();
  ASSERT_TRUE(daemon->ok());
  const std::string socket_path = daemon->socket_path();
  Client client(TestClientOptions(socket_path));
  ASSERT_TRUE(client.Produce(Record{.topic = "e2e-life", .value = "x"}).ok());

  std::atomic<int> delivered{0}, lost{0}, other{0};
  for (int i = 0; i < 20000; ++i) {
    client.ProduceAsync(
        Record{.topic = "e2e-life", .value = "y"},
        [&](Result<RecordMetadata> result) {
          if (result.ok()) {
            ++delivered;
          } else if (result.error().code == error_code::kConnectionLost ||
                     result.error().code == error_code::kDaemonUnreachable) {
            ++lost;
          } else {
            ++other;
          }
        });
  }
  daemon->Stop(SIGKILL);
  ASSERT_TRUE(client.Flush(seconds(10)).ok()) << "requests left hanging";
  EXPECT_EQ(delivered + lost + other, 20000);
  EXPECT_EQ(other.load(), 0);
  RecordProperty("delivered", delivered.load());
  RecordProperty("lost", lost.load());

  Result<RecordMetadata> while_down =
      client.Produce(Record{.topic = "e2e-life", .value = "z"});
  ASSERT_FALSE(while_down.ok());
  EXPECT_EQ(while_down.error().code, error_code::kDaemonUnreachable);

  DaemonProcess restarted(socket_path);
  ASSERT_TRUE(restarted.ok());
  Result<RecordMetadata> after =
      client.Produce(Record{.topic = "e2e-life", .value = "again"});
  EXPECT_TRUE(after.ok()) << after.error().ToString();
}

TEST(ClientDaemonLifecycleTest, DestroyingTheClientNeverHangs) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.ok());
  std::atomic<int> completed{0};
  {
    ClientOptions options = TestClientOptions(daemon.socket_path());
    options.close_timeout = milliseconds(0);
    Client client(options);
    for (int i = 0; i < 5000; ++i) {
      client.ProduceAsync(
          Record{.topic = "e2e-close", .value = "v"},
          [&](Result<RecordMetadata> result) {
            EXPECT_TRUE(result.ok() ||
                        result.error().code == error_code::kClientClosed);
            ++completed;
          });
    }
  }
  EXPECT_EQ(completed.load(), 5000);
}

}  // namespace
}  // namespace kafka_sidecar
