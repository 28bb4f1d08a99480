// The protocol's edges: handshake, health, malformed input, socket files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "daemon_fixture.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

using ProtocolTest = DaemonTest;

pb::Request Hello(uint64_t id, uint32_t min, uint32_t max) {
  pb::Request req;
  req.set_id(id);
  req.mutable_hello()->set_min_version(min);
  req.mutable_hello()->set_max_version(max);
  req.mutable_hello()->set_client_name("protocol-test");
  return req;
}

TEST_F(ProtocolTest, HelloNegotiatesTheHighestCommonVersion) {
  WireClient client(socket_path());
  client.Send(Hello(1, 1, 9));
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_hello());
  EXPECT_EQ(resp->id(), 1u);
  EXPECT_EQ(resp->hello().version(), 1u);
  EXPECT_EQ(resp->hello().max_frame_bytes(), config_.max_frame_bytes);
  EXPECT_EQ(resp->hello().max_records_per_request(),
            config_.max_records_per_request);
}

// A client learns the record limit from the Hello; one that ignores it
// gets the whole request refused, nothing of it sent to Kafka.
class SmallRecordLimitTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    config->max_records_per_request = 7;
  }
};

TEST_F(SmallRecordLimitTest, HelloAnnouncesItAndALargerRequestIsRefused) {
  WireClient client(socket_path());
  client.Send(Hello(1, 1, 1));
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_hello());
  EXPECT_EQ(resp->hello().max_records_per_request(), 7u);
  client.Send(MakeProduce(2, "limit", 8));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_error());
  EXPECT_EQ(resp->id(), 2u);
  EXPECT_EQ(resp->error().code(), pb::ERROR_CODE_INVALID_REQUEST);
  EXPECT_EQ(resp->error().message(),
            "produce request has 8 records; the limit is 7");
  client.Send(MakeProduce(3, "limit", 7));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
  EXPECT_EQ(resp->id(), 3u);
  ASSERT_EQ(resp->produce().results_size(), 7);
  for (const auto& result : resp->produce().results()) {
    EXPECT_TRUE(result.has_delivered());
  }
}

TEST_F(ProtocolTest, HelloFromATooNewClientIsRefusedPolitely) {
  WireClient client(socket_path());
  client.Send(Hello(5, 2, 3));
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_error());
  EXPECT_EQ(resp->id(), 5u);
  EXPECT_EQ(resp->error().code(), pb::ERROR_CODE_UNSUPPORTED_VERSION);
  // The connection stays usable for a version-1 conversation.
  client.Send(Hello(6, 1, 1));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_hello());
}

TEST_F(ProtocolTest, PingReportsDaemonAndKafka) {
  WireClient client(socket_path());
  pb::Request req;
  req.set_id(9);
  req.mutable_ping();
  client.Send(req);
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_ping());
  EXPECT_FALSE(resp->ping().daemon_version().empty());
  EXPECT_EQ(resp->ping().connections(), 1u);
}

TEST_F(ProtocolTest, UnknownRequestKindIsAnsweredNotDisconnected) {
  WireClient client(socket_path());
  pb::Request req;
  req.set_id(77);  // no body: what an older daemon sees of a newer request
  client.Send(req);
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_error());
  EXPECT_EQ(resp->id(), 77u);
  EXPECT_EQ(resp->error().code(), pb::ERROR_CODE_INVALID_REQUEST);
  client.Send(MakeProduce(78, "after-unknown", 1));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
}

TEST_F(ProtocolTest, GarbagePayloadGetsAnErrorAndTheConnectionGoesOn) {
  WireClient client(socket_path());
  std::string frame;
  AppendFrame("\xff\xff\xff garbage", &frame);
  client.SendRaw(frame);
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_error());
  EXPECT_EQ(resp->id(), 0u);
  EXPECT_EQ(resp->error().code(), pb::ERROR_CODE_INVALID_REQUEST);
  client.Send(MakeProduce(2, "after-garbage", 1));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
}

TEST_F(ProtocolTest, OversizeFrameClosesOnlyThatConnection) {
  WireClient bystander(socket_path());
  WireClient client(socket_path());
  client.SendRaw("\xff\xff\xff\xff");  // announces 4 GiB
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_error());
  EXPECT_EQ(resp->error().code(), pb::ERROR_CODE_FRAME_TOO_LARGE);
  EXPECT_FALSE(client.Receive(5000).has_value());
  EXPECT_TRUE(client.closed());
  bystander.Send(MakeProduce(1, "bystander", 1));
  resp = bystander.Receive();
  ASSERT_TRUE(resp && resp->produce().results(0).has_delivered());
}

TEST_F(ProtocolTest, InvalidProduceRequestsAreNamed) {
  WireClient client(socket_path());
  pb::Request empty;
  empty.set_id(1);
  empty.mutable_produce();
  client.Send(empty);
  pb::Request bad_ack = MakeProduce(2, "t", 1);
  bad_ack.mutable_produce()->set_ack(static_cast<pb::AckMode>(42));
  client.Send(bad_ack);
  pb::Request bad_partition = MakeProduce(3, "t", 1);
  bad_partition.mutable_produce()->mutable_records(0)->set_partition(-7);
  client.Send(bad_partition);
  std::map<uint64_t, pb::Response> by_id;
  for (int i = 0; i < 3; ++i) {
    auto resp = client.Receive();
    ASSERT_TRUE(resp);
    by_id[resp->id()] = *resp;
  }
  EXPECT_NE(by_id[1].error().message().find("no records"), std::string::npos);
  EXPECT_NE(by_id[2].error().message().find("ack mode 42"), std::string::npos);
  const auto& e3 = by_id[3].produce().results(0).error();
  EXPECT_EQ(e3.code(), pb::ERROR_CODE_INVALID_REQUEST);
  EXPECT_NE(e3.message().find("partition -7"), std::string::npos);
}

TEST_F(ProtocolTest, SocketFileHasTheConfiguredMode) {
  struct stat st;
  ASSERT_EQ(stat(socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(ProtocolTest, SecondDaemonOnALiveSocketRefusesToStart) {
  auto second = Daemon::Create(config_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("another process is serving"),
            std::string::npos)
      << second.status().message();
}

class StaleSocketTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    // Leave a socket file nobody listens on, as a crashed daemon would.
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_pipe_t pipe;
    uv_pipe_init(&loop, &pipe, 0);
    ASSERT_EQ(uv_pipe_bind(&pipe, config->socket_path.c_str()), 0);
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

TEST_F(StaleSocketTest, StaleSocketIsReplaced) {
  WireClient client(socket_path());
  ASSERT_TRUE(client.connected());
  client.Send(MakeProduce(1, "after-stale", 1));
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
}

class NoKafkaTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    // Nothing listens on port 1: Kafka is unreachable.
    SetKafkaProperty(config, "bootstrap.servers", "127.0.0.1:1");
    SetKafkaProperty(config, "message.timeout.ms", "1500");
  }
};

TEST_F(NoKafkaTest, StartsServesAndReportsKafkaUnreachable) {
  WireClient client(socket_path());
  ASSERT_TRUE(client.connected());
  pb::Request ping;
  ping.set_id(1);
  ping.mutable_ping();
  client.Send(ping);
  auto resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_ping());
  EXPECT_FALSE(resp->ping().kafka_reachable());
  client.Send(MakeProduce(2, "nowhere", 1));
  resp = client.Receive();
  ASSERT_TRUE(resp && resp->has_produce());
  const auto& err = resp->produce().results(0).error();
  EXPECT_EQ(err.name(), "_MSG_TIMED_OUT");
  EXPECT_TRUE(err.retriable());
  EXPECT_EQ(err.persistence(), pb::PERSISTENCE_NOT_PERSISTED);
}

}  // namespace
}  // namespace kafka_sidecar::testing
