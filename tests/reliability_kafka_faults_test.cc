// Kafka faults through the mock cluster's fault injection: unreachable at
// start, outages shorter and longer than message.timeout.ms, retriable and
// non-retriable request errors. Every record is checked against what the
// cluster stored, read back by an independent consumer.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "daemon_fixture.h"
#include "kafka_reader.h"
#include "reliability_util.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

// Values of `stored`, each with how often it occurs.
std::map<std::string, int> Histogram(const std::vector<StoredRecord>& stored) {
  std::map<std::string, int> out;
  for (const auto& r : stored) ++out[r.value.value_or("<null>")];
  return out;
}

// Offsets of each partition are 0..n-1: no gap.
void ExpectNoGaps(const std::vector<StoredRecord>& stored) {
  std::map<int32_t, int64_t> next;
  for (const auto& r : stored) {
    EXPECT_EQ(r.offset, next[r.partition]++) << "partition " << r.partition;
  }
}

std::optional<pb::Response> Ping(WireClient& c) {
  c.Send(MakePing(999999));
  return c.Receive();
}

class UnreachableAtStartTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    SetAllBrokers(*cluster_, false);
    // Reconnect quickly once the cluster appears (librdkafka's default
    // backoff grows to 10 s).
    SetKafkaProperty(config, "reconnect.backoff.max.ms", "500");
  }
};

TEST_F(UnreachableAtStartTest, ServesAtOnceAndDeliversWhenKafkaAppears) {
  WireClient client(socket_path());
  ASSERT_TRUE(client.connected());
  auto ping = Ping(client);
  ASSERT_TRUE(ping && ping->has_ping());
  EXPECT_FALSE(ping->ping().kafka_reachable());
  for (int i = 1; i <= 20; ++i) {
    client.Send(MakeProduce(i, "late-kafka", 10, pb::ACK_MODE_DELIVERED,
                            "r" + std::to_string(i)));
  }
  // Everything is held, not failed, while Kafka is away.
  ASSERT_TRUE(PollUntil(
      [&] {
        auto p = Ping(client);
        return p && p->ping().in_flight_records() == 200;
      },
      std::chrono::seconds(10)));
  SetAllBrokers(*cluster_, true);
  for (int i = 0; i < 20; ++i) {
    auto resp = client.Receive(30000);
    ASSERT_TRUE(resp && resp->has_produce());
    for (const auto& r : resp->produce().results()) {
      ASSERT_TRUE(r.has_delivered()) << r.DebugString();
    }
  }
  auto stored = ReadTopic(bootstrap(), "late-kafka", 200);
  EXPECT_EQ(stored.size(), 200u);
  for (const auto& [value, n] : Histogram(stored)) EXPECT_EQ(n, 1) << value;
}

class OutageTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    SetKafkaProperty(config, "reconnect.backoff.max.ms", "500");
  }
};

TEST_F(OutageTest, EverythingSentDuringAnOutageIsDeliveredExactlyOnce) {
  constexpr int kRequests = 1000, kRecords = 5;
  WireClient client(socket_path());
  std::map<uint64_t, int> answers;
  std::map<std::string, int64_t> acked;  // value -> offset reported
  int errors = 0;
  auto receive = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto resp = client.Receive(30000);
      ASSERT_TRUE(resp && resp->has_produce()) << "after " << i;
      ++answers[resp->id()];
      for (int r = 0; r < resp->produce().results_size(); ++r) {
        const auto& result = resp->produce().results(r);
        if (!result.has_delivered()) {
          ++errors;
          continue;
        }
        acked["o" + std::to_string(resp->id()) + "-" + std::to_string(r)] =
            result.delivered().offset();
      }
    }
  };
  auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      client.Send(MakeProduce(i, "outage", kRecords, pb::ACK_MODE_DELIVERED,
                              "o" + std::to_string(i)));
    }
  };
  WireClient observer(socket_path());
  auto reachable = [&] {
    auto p = Ping(observer);
    return p && p->ping().kafka_reachable();
  };
  ASSERT_TRUE(PollUntil(reachable, std::chrono::seconds(10)));
  send(0, 300);
  // Nothing is in flight when the brokers go: librdkafka 2.0.2's mock
  // cluster does not deduplicate by producer sequence number as Kafka does
  // for the idempotent producer, so a request whose response an outage cut
  // off would be stored twice by the mock (not by Kafka) when retried.
  receive(300);
  SetAllBrokers(*cluster_, false);
  send(300, kRequests);
  // The outage lasts until the daemon has noticed it (its broker view,
  // refreshed every second, says no broker is up) while holding records.
  ASSERT_TRUE(PollUntil(
      [&] {
        auto p = Ping(observer);
        return p && !p->ping().kafka_reachable() &&
               p->ping().in_flight_records() > 0;
      },
      std::chrono::seconds(15)));
  // Then it goes on for a while: the scenario's length, not a wait for
  // anything.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  SetAllBrokers(*cluster_, true);
  receive(kRequests - 300);
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(answers.size(), static_cast<size_t>(kRequests));
  for (const auto& [id, n] : answers) EXPECT_EQ(n, 1) << "request " << id;

  auto stored = ReadTopic(bootstrap(), "outage", kRequests * kRecords);
  ASSERT_EQ(stored.size(), static_cast<size_t>(kRequests * kRecords));
  ExpectNoGaps(stored);
  for (const auto& [value, n] : Histogram(stored)) {
    EXPECT_EQ(n, 1) << "duplicate " << value;
  }
  for (const auto& r : stored) {
    EXPECT_EQ(acked.at(*r.value), r.offset) << "ack offset for " << *r.value;
  }
}

class LongOutageTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    SetKafkaProperty(config, "message.timeout.ms", "1500");
    SetKafkaProperty(config, "reconnect.backoff.max.ms", "500");
  }
};

// Everything on partition 0, so the broker connection used is the one that
// is up (a new connection would wait for its own handshake, not send).
pb::Request OnPartition0(uint64_t id, const std::string& topic, int n) {
  pb::Request req = MakeProduce(id, topic, n);
  for (auto& r : *req.mutable_produce()->mutable_records()) r.set_partition(0);
  return req;
}

TEST_F(LongOutageTest, RecordsTimeOutWithTheirPersistenceStatus) {
  WireClient client(socket_path());
  client.Send(OnPartition0(1, "long-outage", 1));
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->produce().results(0).has_delivered());

  // Brokers down: the records never leave the daemon, not persisted.
  SetAllBrokers(*cluster_, false);
  client.Send(OnPartition0(2, "long-outage", 5));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
  for (const auto& r : resp->produce().results()) {
    ASSERT_TRUE(r.has_error()) << r.DebugString();
    EXPECT_EQ(r.error().name(), "_MSG_TIMED_OUT");
    EXPECT_EQ(r.error().kafka_code(), RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
    EXPECT_TRUE(r.error().retriable());
    EXPECT_EQ(r.error().persistence(), pb::PERSISTENCE_NOT_PERSISTED);
  }
  SetAllBrokers(*cluster_, true);
  // Kafka is back (the idempotent producer renews its epoch first).
  client.Send(OnPartition0(5, "long-outage", 1));
  resp = client.Receive(30000);
  ASSERT_TRUE(resp && resp->produce().results(0).has_delivered())
      << resp->DebugString();

  // Brokers up but answering after the timeout: the request was sent, so
  // the records may have been written.
  for (int32_t b = 1; b <= 3; ++b) {
    rd_kafka_mock_broker_set_rtt(cluster_->get(), b, 4000);
  }
  client.Send(OnPartition0(3, "long-outage", 5));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
  for (const auto& r : resp->produce().results()) {
    ASSERT_TRUE(r.has_error()) << r.DebugString();
    EXPECT_EQ(r.error().name(), "_MSG_TIMED_OUT");
    EXPECT_EQ(r.error().persistence(), pb::PERSISTENCE_POSSIBLY_PERSISTED);
  }
  for (int32_t b = 1; b <= 3; ++b) {
    rd_kafka_mock_broker_set_rtt(cluster_->get(), b, 0);
  }
  // The daemon (and its idempotent producer) go on afterwards.
  client.Send(OnPartition0(4, "long-outage", 3));
  resp = client.Receive(30000);
  ASSERT_TRUE(resp && resp->has_produce());
  for (const auto& r : resp->produce().results()) {
    EXPECT_TRUE(r.has_delivered()) << r.DebugString();
  }
}

using RequestErrorTest = DaemonTest;

TEST_F(RequestErrorTest, RetriableErrorsAreRetriedTransparently) {
  WireClient client(socket_path());
  client.Send(MakeProduce(1, "retried", 1));  // metadata and leaders known
  ASSERT_TRUE(client.Receive());
  const rd_kafka_resp_err_t errs[] = {
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
      RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
  };
  rd_kafka_mock_push_request_errors_array(cluster_->get(), 0 /* Produce */, 4,
                                          errs);
  client.Send(MakeProduce(2, "retried", 20, pb::ACK_MODE_DELIVERED, "x"));
  auto resp = client.Receive(30000);
  ASSERT_TRUE(resp && resp->has_produce());
  for (const auto& r : resp->produce().results()) {
    EXPECT_TRUE(r.has_delivered()) << r.DebugString();
  }
  auto stored = ReadTopic(bootstrap(), "retried", 21);
  EXPECT_EQ(stored.size(), 21u);
  ExpectNoGaps(stored);
  for (const auto& [value, n] : Histogram(stored)) EXPECT_EQ(n, 1) << value;
}

// (TOPIC_AUTHORIZATION_FAILED is left out: librdkafka then marks the whole
// topic failed until its next metadata refresh, which is its behaviour, not
// the daemon's.)
TEST_F(RequestErrorTest, NonRetriableErrorsReachTheClientPrecisely) {
  const struct {
    rd_kafka_resp_err_t err;
    const char* name;
  } kCases[] = {
      {RD_KAFKA_RESP_ERR_INVALID_RECORD, "INVALID_RECORD"},
      {RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP, "INVALID_TIMESTAMP"},
      {RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS, "INVALID_REQUIRED_ACKS"},
  };
  WireClient client(socket_path());
  pb::Request first = MakeProduce(1, "refused", 1);
  first.mutable_produce()->mutable_records(0)->set_partition(0);
  client.Send(first);
  ASSERT_TRUE(client.Receive());
  int64_t delivered = 1;
  uint64_t id = 10;
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    rd_kafka_mock_push_request_errors(cluster_->get(), 0, 1, c.err);
    pb::Request req = MakeProduce(++id, "refused", 3);
    for (auto& r : *req.mutable_produce()->mutable_records()) {
      r.set_partition(0);
    }
    client.Send(req);
    auto resp = client.Receive(30000);
    ASSERT_TRUE(resp && resp->has_produce());
    for (const auto& r : resp->produce().results()) {
      ASSERT_TRUE(r.has_error()) << r.DebugString();
      EXPECT_EQ(r.error().code(), pb::ERROR_CODE_KAFKA);
      EXPECT_EQ(r.error().name(), c.name);
      EXPECT_EQ(r.error().kafka_code(), c.err);
      EXPECT_FALSE(r.error().retriable());
      EXPECT_EQ(r.error().persistence(), pb::PERSISTENCE_NOT_PERSISTED);
    }
    // Only that request failed: the next one is delivered.
    client.Send(MakeProduce(++id, "refused", 2));
    resp = client.Receive(30000);
    ASSERT_TRUE(resp && resp->has_produce());
    for (const auto& r : resp->produce().results()) {
      EXPECT_TRUE(r.has_delivered()) << r.DebugString();
    }
    delivered += 2;
  }
  EXPECT_EQ(HighWatermarkSum(bootstrap(), "refused"), delivered);
}

}  // namespace
}  // namespace kafka_sidecar::testing
