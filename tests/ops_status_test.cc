// The status request and `kafka-sidecar status`: a summary with brokers,
// queue and counts, healthy (exit 0) with Kafka up, unhealthy (exit 1) when
// Kafka is unreachable or the daemon is not there.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "daemon_fixture.h"
#include "ops_util.h"
#include "status_command.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

// Captures what a command prints.
struct Output {
  Output() { file = open_memstream(&data, &size); }
  ~Output() {
    if (file) std::fclose(file);
    std::free(data);
  }
  std::string str() {
    std::fflush(file);
    return std::string(data, size);
  }
  std::FILE* file = nullptr;
  char* data = nullptr;
  size_t size = 0;
};

class StatusTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    SetKafkaProperty(config, "statistics.interval.ms", "100");
  }
  pb::StatusResponse Ask() {
    WireClient client(socket_path());
    pb::Request req;
    req.set_id(77);
    req.mutable_status();
    client.Send(req);
    auto resp = client.Receive();
    EXPECT_TRUE(resp.has_value());
    EXPECT_EQ(resp ? resp->id() : 0, 77u);
    return resp && resp->has_status() ? resp->status() : pb::StatusResponse();
  }
  // Asks until the daemon reports `healthy` (broker state comes with the
  // statistics, every 100 ms here).
  pb::StatusResponse AskUntil(bool healthy) {
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    pb::StatusResponse s = Ask();
    while (s.healthy() != healthy && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      s = Ask();
    }
    return s;
  }
};

TEST_F(StatusTest, HealthyDaemonReportsBrokersQueueAndCounts) {
  WireClient client(socket_path());
  client.Send(MakeProduce(1, "status-topic", 7));
  ASSERT_TRUE(client.Receive().has_value());
  const pb::StatusResponse s = AskUntil(true);
  ASSERT_TRUE(s.healthy()) << s.DebugString();
  EXPECT_EQ(s.problems_size(), 0);
  EXPECT_EQ(s.records_delivered(), 7u);
  EXPECT_GE(s.ping().brokers_up(), 1u);
  EXPECT_EQ(s.brokers_size(), 3);
  EXPECT_GT(s.ping().uptime_ms(), 0u);
  EXPECT_GE(s.ping().connections(), 2u);

  Output out, err;
  cli::StatusOptions options;
  options.socket_path = socket_path();
  EXPECT_EQ(cli::RunStatus(options, out.file, err.file), 0) << err.str();
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("HEALTHY: kafka-sidecard", 0), 0u) << text;
  EXPECT_NE(text.find("brokers up"), std::string::npos) << text;
  EXPECT_NE(text.find("7 delivered"), std::string::npos) << text;
  EXPECT_NE(text.find(" UP "), std::string::npos) << text;
}

TEST_F(StatusTest, CliStatusSubcommandIsAHealthCheck) {
  ASSERT_TRUE(AskUntil(true).healthy());
  const CommandResult ok =
      RunCommand({KS_CLI_BIN, "status", "-s", socket_path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("HEALTHY: kafka-sidecard"), std::string::npos)
      << ok.output;
  EXPECT_EQ(StopDaemon(), 0);
  const CommandResult gone =
      RunCommand({KS_CLI_BIN, "status", "-s", socket_path()});
  EXPECT_EQ(gone.exit_code, 1) << gone.output;
}

class UnreachableKafkaTest : public StatusTest {
 protected:
  void Configure(Config* config) override {
    StatusTest::Configure(config);
    SetKafkaProperty(config, "bootstrap.servers", "127.0.0.1:1");
  }
};

TEST_F(UnreachableKafkaTest, UnhealthyWithTheReasonAndExitStatusOne) {
  const pb::StatusResponse s = Ask();
  EXPECT_FALSE(s.healthy());
  ASSERT_GE(s.problems_size(), 1);
  EXPECT_NE(s.problems(0).find("Kafka unreachable"), std::string::npos);
  Output out, err;
  cli::StatusOptions options;
  options.socket_path = socket_path();
  EXPECT_EQ(cli::RunStatus(options, out.file, err.file), 1);
  EXPECT_EQ(out.str().rfind("UNHEALTHY", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("problem: Kafka unreachable"), std::string::npos);
}

TEST(StatusCommandTest, NoDaemonIsUnhealthy) {
  TempDir dir;
  Output out, err;
  cli::StatusOptions options;
  options.socket_path = dir.path() + "/nobody-home.sock";
  EXPECT_EQ(cli::RunStatus(options, out.file, err.file), 1);
  EXPECT_NE(err.str().find("cannot connect"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace kafka_sidecar::testing
