// SIGTERM under full load and SIGKILL mid-stream, sent to a real
// kafka-sidecard process (DESIGN invariants 1 and 6). Every request is
// traced by a unique value and checked against what Kafka stored.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "daemon_fixture.h"
#include "daemon_process.h"
#include "kafka_reader.h"
#include "reliability_util.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

constexpr int kClients = 8;
constexpr int kRecords = 10;

// One writer's view: what it sent and what it was told, by request id.
struct Ledger {
  std::atomic<uint64_t> sent{0};
  std::map<uint64_t, int> answers;
  std::map<uint64_t, pb::Response> last;
  std::atomic<bool> saw_eof{false};
  std::atomic<bool> done{false};     // the reader stopped
  std::atomic<bool> goodbye{false};  // the daemon's last frame came
};

std::string Value(int client, uint64_t id, int r) {
  return "c" + std::to_string(client) + "-" + std::to_string(id) + "-" +
         std::to_string(r);
}

class ShutdownTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto cluster = MockCluster::Create(3);
    ASSERT_TRUE(cluster.ok());
    cluster_ = std::move(cluster.value());
    socket_ = dir_.path() + "/sidecar.sock";
  }

  std::unique_ptr<DaemonProcess> Start(int shutdown_ms) {
    return std::make_unique<DaemonProcess>(
        socket_, std::vector<std::string>{
                     "-b", cluster_->bootstrap(), "--shutdown-timeout-ms",
                     std::to_string(shutdown_ms), "-X", "linger.ms=20"});
  }

  // Writers at full speed, each with a reader thread, until the daemon
  // closes their connections.
  void RunWriters(std::vector<Ledger>& ledgers, std::atomic<int>& acks) {
    for (int c = 0; c < kClients; ++c) {
      threads_.emplace_back([&, c] {
        WireClient client(socket_);
        Ledger& l = ledgers[c];
        std::thread reader([&] {
          while (auto resp = client.Receive(60000)) {
            if (resp->id() == 0) {
              l.goodbye.store(resp->has_error() &&
                              resp->error().code() ==
                                  pb::ERROR_CODE_SHUTTING_DOWN);
              continue;
            }
            EXPECT_FALSE(l.goodbye.load()) << "answer after the last frame";
            ++l.answers[resp->id()];
            l.last[resp->id()] = *resp;
            ++acks;
          }
          l.saw_eof.store(client.closed());
          l.done.store(true);
          client.ShutdownWrite();  // unblocks a send stuck on a full socket
        });
        for (uint64_t id = 1; !l.done.load(); ++id) {
          pb::Request req = MakeProduce(id, "shutdown", kRecords);
          for (int r = 0; r < kRecords; ++r) {
            req.mutable_produce()->mutable_records(r)->set_value(
                Value(c, id, r));
          }
          client.Send(req);
          l.sent.store(id);
        }
        reader.join();
      });
    }
  }

  TempDir dir_;
  std::string socket_;
  std::unique_ptr<MockCluster> cluster_;
  std::vector<std::thread> threads_;
};

// Param: extra round-trip time of every broker. 0: Kafka keeps up and the
// daemon drains before the deadline; 3000: it cannot, and the rest is
// failed at the deadline with a precise, possibly-persisted error.
TEST_P(ShutdownTest, SigtermUnderFullLoadAnswersEverythingReadAndExits) {
  const int rtt = GetParam();
  constexpr int kShutdownMs = 2000;
  auto daemon = Start(kShutdownMs);
  ASSERT_TRUE(daemon->started());
  std::vector<Ledger> ledgers(kClients);
  std::atomic<int> acks{0};
  RunWriters(ledgers, acks);
  ASSERT_TRUE(
      PollUntil([&] { return acks.load() > 500; }, std::chrono::seconds(20)));
  for (int32_t b = 1; b <= 3; ++b) {
    rd_kafka_mock_broker_set_rtt(cluster_->get(), b, rtt);
  }
  const auto t0 = std::chrono::steady_clock::now();
  daemon->Signal(SIGTERM);
  // The bound: shutdown_timeout_ms, then up to 3 s for purge reports and
  // 1 s for peers to read their answers, plus 2 s of slack.
  auto status = daemon->Wait(std::chrono::milliseconds(kShutdownMs + 6000));
  ASSERT_TRUE(status.has_value()) << "no exit within the bound";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  for (auto& t : threads_) t.join();
  for (int32_t b = 1; b <= 3; ++b) {
    rd_kafka_mock_broker_set_rtt(cluster_->get(), b, 0);
  }

  // Read back everything Kafka holds.
  const int64_t stored_count =
      HighWatermarkSum(cluster_->bootstrap(), "shutdown");
  auto stored = ReadTopic(cluster_->bootstrap(), "shutdown",
                          static_cast<size_t>(stored_count));
  ASSERT_EQ(static_cast<int64_t>(stored.size()), stored_count);
  std::map<std::string, int> in_kafka;
  for (const auto& r : stored) ++in_kafka[*r.value];
  for (const auto& [v, n] : in_kafka) ASSERT_EQ(n, 1) << "duplicate " << v;

  int delivered = 0, shutting_down = 0, purged = 0, unanswered = 0;
  for (int c = 0; c < kClients; ++c) {
    const Ledger& l = ledgers[c];
    EXPECT_TRUE(l.saw_eof) << "client " << c;
    EXPECT_TRUE(l.goodbye) << "no shutting-down frame before EOF";
    for (uint64_t id = 1; id <= l.sent.load(); ++id) {
      auto it = l.answers.find(id);
      if (it == l.answers.end()) {
        // Never read by the daemon: it must not be in Kafka either.
        ++unanswered;
        for (int r = 0; r < kRecords; ++r) {
          ASSERT_EQ(in_kafka.count(Value(c, id, r)), 0u)
              << "unanswered request " << id << " of client " << c
              << " reached Kafka";
        }
        continue;
      }
      ASSERT_EQ(it->second, 1) << "request " << id << " answered twice";
      const pb::Response& resp = l.last.at(id);
      if (resp.has_error()) {
        EXPECT_EQ(resp.error().code(), pb::ERROR_CODE_SHUTTING_DOWN);
        ++shutting_down;
        for (int r = 0; r < kRecords; ++r) {
          ASSERT_EQ(in_kafka.count(Value(c, id, r)), 0u);
        }
        continue;
      }
      ASSERT_EQ(resp.produce().results_size(), kRecords);
      for (int r = 0; r < kRecords; ++r) {
        const auto& result = resp.produce().results(r);
        const bool stored_it = in_kafka.count(Value(c, id, r)) > 0;
        if (result.has_delivered()) {
          ++delivered;
          ASSERT_TRUE(stored_it) << "acked but not in Kafka";
          continue;
        }
        ++purged;
        const auto& e = result.error();
        EXPECT_TRUE(e.retriable()) << e.DebugString();
        if (e.persistence() == pb::PERSISTENCE_NOT_PERSISTED) {
          ASSERT_FALSE(stored_it) << "not persisted, yet in Kafka";
        } else {
          EXPECT_EQ(e.persistence(), pb::PERSISTENCE_POSSIBLY_PERSISTED)
              << e.DebugString();
        }
      }
    }
  }
  std::printf(
      "rtt %d ms: exit after %lld ms; %d records delivered, %d failed "
      "at the deadline, %d requests refused (shutting down), %d never "
      "read\n",
      rtt, static_cast<long long>(took.count()), delivered, purged,
      shutting_down, unanswered);
  EXPECT_GT(delivered, 0);
  if (rtt > kShutdownMs) {
    EXPECT_GT(purged, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(KafkaSpeed, ShutdownTest, ::testing::Values(0, 3000));

TEST_F(ShutdownTest, SigkillMidStreamThenRestartServesAgain) {
  auto daemon = Start(2000);
  ASSERT_TRUE(daemon->started());
  WireClient client(socket_);
  for (int i = 1; i <= 200; ++i) {
    client.Send(MakeProduce(i, "killed-daemon", 5));
  }
  // Some answers are in; the rest are in flight when the daemon dies.
  std::set<uint64_t> answered;
  for (int i = 0; i < 20; ++i) {
    auto resp = client.Receive();
    ASSERT_TRUE(resp && resp->has_produce());
    answered.insert(resp->id());
  }
  for (int32_t b = 1; b <= 3; ++b) {
    rd_kafka_mock_broker_set_rtt(cluster_->get(), b, 1000);
  }
  client.Send(MakeProduce(1000, "killed-daemon", 5));
  daemon->Signal(SIGKILL);
  auto status = daemon->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status && WIFSIGNALED(*status));
  // The client learns at once that the connection is gone: it can report
  // "connection lost, outcome unknown" for whatever is unanswered.
  const auto t0 = std::chrono::steady_clock::now();
  while (auto resp = client.Receive(5000)) answered.insert(resp->id());
  EXPECT_TRUE(client.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(answered.count(1000), 0u);
  for (int32_t b = 1; b <= 3; ++b) {
    rd_kafka_mock_broker_set_rtt(cluster_->get(), b, 0);
  }

  // A new daemon replaces the stale socket file and serves again.
  auto restarted = Start(2000);
  ASSERT_TRUE(restarted->started());
  WireClient again(socket_);
  ASSERT_TRUE(again.connected());
  again.Send(MakeProduce(1, "killed-daemon", 3, pb::ACK_MODE_DELIVERED, "new"));
  auto resp = again.Receive(30000);
  ASSERT_TRUE(resp && resp->has_produce());
  for (const auto& r : resp->produce().results()) {
    EXPECT_TRUE(r.has_delivered()) << r.DebugString();
  }
  restarted->Signal(SIGTERM);
  auto st = restarted->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0);
}

}  // namespace
}  // namespace kafka_sidecar::testing
