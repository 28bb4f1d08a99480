// End to end through a real socket, a real loop and a real producer to the
// mock cluster, read back with an independent consumer.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "daemon_fixture.h"
#include "kafka_reader.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

class ProduceTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    SetKafkaProperty(config, "message.max.bytes", "20000");
  }
};

TEST_F(ProduceTest, DeliveredRecordsAreStoredExactlyAsSent) {
  WireClient client(socket_path());
  ASSERT_TRUE(client.connected());
  pb::Request req;
  req.set_id(42);
  auto* produce = req.mutable_produce();
  auto* a = produce->add_records();
  a->set_topic("orders");
  a->set_key("customer-7");
  a->set_value("first");
  a->set_partition(2);
  a->set_timestamp_ms(1700000000123);
  auto* h1 = a->add_headers();
  h1->set_key("trace");
  h1->set_value(std::string("\0\x01bin", 5));
  a->add_headers()->set_key("null-header");  // no value: null
  auto* b = produce->add_records();
  b->set_topic("orders");
  b->set_key("customer-7");
  b->set_partition(2);  // no value: a tombstone
  b->set_timestamp_ms(1700000000456);
  client.Send(req);

  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->id(), 42u);
  ASSERT_EQ(resp->produce().results_size(), 2);
  const auto& r0 = resp->produce().results(0);
  const auto& r1 = resp->produce().results(1);
  ASSERT_TRUE(r0.has_delivered()) << r0.DebugString();
  ASSERT_TRUE(r1.has_delivered()) << r1.DebugString();
  EXPECT_EQ(r0.delivered().partition(), 2);
  EXPECT_EQ(r1.delivered().partition(), 2);
  EXPECT_EQ(r1.delivered().offset(), r0.delivered().offset() + 1);

  auto stored = ReadTopic(bootstrap(), "orders", 2);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].partition, 2);
  EXPECT_EQ(stored[0].offset, r0.delivered().offset());
  EXPECT_EQ(stored[0].key, "customer-7");
  EXPECT_EQ(stored[0].value, "first");
  EXPECT_EQ(stored[0].timestamp_ms, 1700000000123);
  using H = std::pair<std::string, std::optional<std::string>>;
  EXPECT_EQ(stored[0].headers,
            (std::vector<H>{{"trace", std::string("\0\x01bin", 5)},
                            {"null-header", std::nullopt}}));
  EXPECT_EQ(stored[1].offset, r1.delivered().offset());
  EXPECT_EQ(stored[1].value, std::nullopt) << "tombstone must be a null value";
  EXPECT_EQ(stored[1].timestamp_ms, 1700000000456);
}

TEST_F(ProduceTest, BadRecordsGetPreciseErrorsWhileTheirNeighboursSucceed) {
  WireClient client(socket_path());
  pb::Request req = MakeProduce(7, "mixed", 5);
  auto* records = req.mutable_produce()->mutable_records();
  records->Mutable(1)->set_partition(99);               // unknown partition
  records->Mutable(2)->set_topic("no spaces allowed");  // invalid name
  records->Mutable(3)->set_value(
      std::string(50000, 'x'));  // > message.max.bytes
  client.Send(req);
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  const auto& results = resp->produce().results();
  ASSERT_EQ(results.size(), 5);
  EXPECT_TRUE(results[0].has_delivered());
  EXPECT_TRUE(results[4].has_delivered());

  ASSERT_TRUE(results[1].has_error());
  EXPECT_EQ(results[1].error().code(), pb::ERROR_CODE_KAFKA);
  EXPECT_EQ(results[1].error().name(), "_UNKNOWN_PARTITION");
  EXPECT_EQ(results[1].error().persistence(), pb::PERSISTENCE_NOT_PERSISTED);
  EXPECT_NE(results[1].error().message().find("partition 99"),
            std::string::npos)
      << results[1].error().message();

  ASSERT_TRUE(results[2].has_error());
  EXPECT_EQ(results[2].error().name(), "TOPIC_EXCEPTION");
  EXPECT_FALSE(results[2].error().retriable());
  EXPECT_NE(results[2].error().message().find("no spaces allowed"),
            std::string::npos);

  ASSERT_TRUE(results[3].has_error());
  EXPECT_EQ(results[3].error().name(), "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(results[3].error().kafka_code(), 10);

  auto stored = ReadTopic(bootstrap(), "mixed", 2);
  ASSERT_EQ(stored.size(), 2u);
  std::set<std::string> values = {*stored[0].value, *stored[1].value};
  EXPECT_EQ(values, (std::set<std::string>{"v-0", "v-4"}));
}

TEST_F(ProduceTest, TenThousandPipelinedRequestsOnOneConnection) {
  constexpr int kRequests = 10000;
  WireClient client(socket_path());
  std::thread writer([&] {
    for (int i = 1; i <= kRequests; ++i) {
      client.Send(MakeProduce(i, "pipelined", 1, pb::ACK_MODE_DELIVERED,
                              "r" + std::to_string(i)));
    }
  });
  std::set<uint64_t> ids;
  std::map<int32_t, std::set<int64_t>> offsets;
  for (int i = 0; i < kRequests; ++i) {
    auto resp = client.Receive();
    ASSERT_TRUE(resp.has_value()) << "after " << i << " responses";
    ASSERT_TRUE(resp->produce().results(0).has_delivered());
    ids.insert(resp->id());
    const auto& md = resp->produce().results(0).delivered();
    EXPECT_TRUE(offsets[md.partition()].insert(md.offset()).second)
        << "offset reported twice";
  }
  writer.join();
  EXPECT_EQ(ids.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(*ids.begin(), 1u);
  EXPECT_EQ(*ids.rbegin(), static_cast<uint64_t>(kRequests));
  // Offsets per partition are exactly 0..n-1: nothing lost, nothing doubled.
  for (const auto& [partition, set] : offsets) {
    EXPECT_EQ(*set.begin(), 0);
    EXPECT_EQ(*set.rbegin(), static_cast<int64_t>(set.size()) - 1);
  }
  EXPECT_EQ(HighWatermarkSum(bootstrap(), "pipelined"), kRequests);
}

TEST_F(ProduceTest, FiftyConcurrentConnections) {
  constexpr int kClients = 50, kRequests = 100, kRecords = 5;
  std::vector<std::thread> threads;
  std::vector<int> delivered(kClients, 0);
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      WireClient client(socket_path());
      for (int i = 0; i < kRequests; ++i) {
        client.Send(MakeProduce(i, "concurrent", kRecords));
      }
      for (int i = 0; i < kRequests; ++i) {
        auto resp = client.Receive();
        if (!resp) return;
        for (const auto& r : resp->produce().results()) {
          delivered[c] += r.has_delivered();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(delivered[c], kRequests * kRecords) << "client " << c;
  }
  EXPECT_EQ(HighWatermarkSum(bootstrap(), "concurrent"),
            kClients * kRequests * kRecords);
}

TEST_F(ProduceTest, AcceptedModeAnswersOnceQueued) {
  WireClient client(socket_path());
  client.Send(MakeProduce(1, "accepted", 3, pb::ACK_MODE_ACCEPTED));
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  ASSERT_EQ(resp->produce().results_size(), 3);
  for (const auto& r : resp->produce().results()) {
    EXPECT_TRUE(r.has_accepted()) << r.DebugString();
  }
  EXPECT_EQ(ReadTopic(bootstrap(), "accepted", 3).size(), 3u);
}

TEST_F(ProduceTest, NoneModeSendsNoResponseButStillProduces) {
  WireClient client(socket_path());
  client.Send(MakeProduce(1, "fire-and-forget", 4, pb::ACK_MODE_NONE));
  pb::Request ping;
  ping.set_id(2);
  ping.mutable_ping();
  client.Send(ping);
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->id(), 2u) << "the NONE request must not be answered";
  EXPECT_TRUE(resp->has_ping());
  EXPECT_EQ(ReadTopic(bootstrap(), "fire-and-forget", 4).size(), 4u);
}

TEST_F(ProduceTest, DisconnectWithRequestsInFlightDisturbsNobody) {
  WireClient steady(socket_path());
  {
    WireClient leaver(socket_path());
    for (int i = 0; i < 500; ++i) leaver.Send(MakeProduce(i, "leaver", 10));
  }  // closed with most of its 5000 records in flight
  for (int i = 0; i < 200; ++i) steady.Send(MakeProduce(i, "steady", 1));
  for (int i = 0; i < 200; ++i) {
    auto resp = steady.Receive();
    ASSERT_TRUE(resp.has_value());
    EXPECT_TRUE(resp->produce().results(0).has_delivered());
  }
  EXPECT_EQ(StopDaemon(), 0);
  // Whatever the leaver's socket still delivered was produced; answers for
  // it were dropped and counted, never written to a dead connection.
  EXPECT_EQ(
      counters().records_delivered,
      static_cast<uint64_t>(HighWatermarkSum(bootstrap(), "leaver")) + 200);
}

}  // namespace
}  // namespace kafka_sidecar::testing
