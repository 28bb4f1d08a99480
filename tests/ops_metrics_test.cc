// The Prometheus endpoint: scraped over real HTTP from the daemon's loop;
// values move as records are produced and fail; librdkafka statistics show
// per-broker state; hostile or slow scrapers cannot stall the produce path.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>

#include "daemon_fixture.h"
#include "http_server.h"
#include "kafka_stats.h"
#include "metrics_text.h"
#include "ops_util.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

class MetricsTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    config->metrics_listen = "127.0.0.1:0";
    SetKafkaProperty(config, "statistics.interval.ms", "100");
    SetKafkaProperty(config, "reconnect.backoff.max.ms", "500");
  }
  int port() { return daemon_->operations().metrics_port(); }
  std::string Scrape() {
    HttpReply reply = HttpGet(port(), "/metrics");
    EXPECT_EQ(reply.status, 200) << reply.headers;
    EXPECT_NE(reply.headers.find("text/plain; version=0.0.4"),
              std::string::npos);
    return reply.body;
  }
  double Value(const std::string& series) {
    return MetricValue(Scrape(), series).value_or(-1);
  }
  // Scrapes until `done(body)` (statistics arrive on their own schedule).
  bool ScrapeUntil(const std::function<bool(const std::string&)>& done,
                   int seconds = 20) {
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (done(Scrape())) return true;
      // Statistics come every 100 ms: wait for the next, not for a guess.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

constexpr char kDelivered[] =
    "kafka_sidecar_records_total{outcome=\"delivered\",ack=\"delivered\"}";
constexpr char kFailed[] =
    "kafka_sidecar_records_total{outcome=\"failed\",ack=\"delivered\"}";
constexpr char kAccepted[] =
    "kafka_sidecar_records_total{outcome=\"accepted\",ack=\"accepted\"}";

TEST_F(MetricsTest, ValuesMoveAsRecordsAreProducedAndFail) {
  ASSERT_GT(port(), 0);
  std::string text = Scrape();
  EXPECT_EQ(MetricValue(text, kDelivered), 0);
  EXPECT_EQ(MetricValue(text, kFailed), 0);
  EXPECT_EQ(MetricValue(text, "kafka_sidecar_requests_total{kind=\"produce\"}"),
            0);

  WireClient client(socket_path());
  client.Send(MakeProduce(1, "metered", 10));
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  ASSERT_TRUE(resp->produce().results(9).has_delivered());
  text = Scrape();
  EXPECT_EQ(MetricValue(text, kDelivered), 10);
  EXPECT_EQ(MetricValue(text, "kafka_sidecar_requests_total{kind=\"produce\"}"),
            1);
  EXPECT_EQ(MetricValue(text,
                        "kafka_sidecar_produce_requests_total{result=\"ok\","
                        "ack=\"delivered\"}"),
            1);
  EXPECT_EQ(
      MetricValue(text,
                  "kafka_sidecar_ack_latency_seconds_count{ack=\"delivered\"}"),
      1);
  EXPECT_EQ(MetricValue(text,
                        "kafka_sidecar_ack_latency_seconds_bucket{"
                        "ack=\"delivered\",le=\"+Inf\"}"),
            1);
  EXPECT_GT(
      MetricValue(text,
                  "kafka_sidecar_ack_latency_seconds_sum{ack=\"delivered\"}")
          .value_or(0),
      0);
  EXPECT_GT(MetricValue(text, "kafka_sidecar_bytes_received_total").value_or(0),
            100);
  EXPECT_GT(MetricValue(text, "kafka_sidecar_bytes_sent_total").value_or(0),
            10);
  EXPECT_EQ(MetricValue(text, "kafka_sidecar_connections"), 1);
  EXPECT_EQ(MetricValue(text, "kafka_sidecar_inflight_records"), 0);
  EXPECT_EQ(
      MetricValue(text, "kafka_sidecar_config_reloads_total{result=\"ok\"}"),
      0);

  // A failure at queueing time (unknown partition)...
  pb::Request bad = MakeProduce(3, "metered", 1);
  bad.mutable_produce()->mutable_records(0)->set_partition(99);
  client.Send(bad);
  ASSERT_TRUE(client.Receive().has_value());
  EXPECT_EQ(Value(kFailed), 1);

  // ...and one reported by Kafka: the broker refuses the next Produce.
  rd_kafka_mock_push_request_errors(
      cluster_->get(), 0 /* Produce */, 1,
      RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  client.Send(MakeProduce(4, "metered", 1));
  resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  ASSERT_TRUE(resp->produce().results(0).has_error()) << resp->DebugString();
  text = Scrape();
  EXPECT_EQ(MetricValue(text, kFailed), 2);
  EXPECT_EQ(
      MetricValue(text, "kafka_sidecar_delivery_errors_total{error=\"" +
                            resp->produce().results(0).error().name() + "\"}"),
      1)
      << text;
  EXPECT_EQ(MetricValue(text,
                        "kafka_sidecar_produce_requests_total{result="
                        "\"error\",ack=\"delivered\"}"),
            2);

  // Last, as ACCEPTED records are still in flight when answered (and on
  // another topic: librdkafka now fails "metered" at once).
  client.Send(MakeProduce(5, "metered-accepted", 5, pb::ACK_MODE_ACCEPTED));
  resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->produce().results(4).has_accepted()) << resp->DebugString();
  EXPECT_EQ(Value(kAccepted), 5) << Scrape();
}

TEST_F(MetricsTest, BrokerStateAndRttComeFromStatistics) {
  std::string text;
  ASSERT_TRUE(ScrapeUntil([&](const std::string& body) {
    text = body;
    return MetricValue(body, "kafka_sidecar_kafka_brokers_up").value_or(0) >=
               1 &&
           body.find("state=\"UP\"} 1") != std::string::npos;
  })) << text;
  EXPECT_EQ(MetricValue(text, "kafka_sidecar_kafka_brokers"), 3);
  EXPECT_NE(text.find("kafka_sidecar_kafka_broker_rtt_avg_seconds{broker=\""),
            std::string::npos);
  EXPECT_TRUE(MetricValue(text, "kafka_sidecar_producer_queue_max_messages")
                  .has_value());
  EXPECT_EQ(HttpGet(port(), "/healthz").status, 200);

  // All brokers down: the gauges and the health endpoint say so.
  for (int id = 1; id <= 3; ++id) {
    rd_kafka_mock_broker_set_down(cluster_->get(), id);
  }
  ASSERT_TRUE(ScrapeUntil([&](const std::string& body) {
    text = body;
    return MetricValue(body, "kafka_sidecar_kafka_brokers_up") == 0;
  })) << text;
  const HttpReply health = HttpGet(port(), "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("Kafka unreachable"), std::string::npos);

  // A record waits for the brokers: in flight and queued until they return.
  WireClient client(socket_path());
  client.Send(MakeProduce(1, "waiting", 1));
  ASSERT_TRUE(ScrapeUntil([&](const std::string& body) {
    text = body;
    return MetricValue(body, "kafka_sidecar_inflight_records") == 1 &&
           MetricValue(body, "kafka_sidecar_producer_queue_messages") == 1;
  })) << text;
  EXPECT_GE(MetricValue(text, "kafka_sidecar_producer_outq_length"), 1);
  for (int id = 1; id <= 3; ++id) {
    rd_kafka_mock_broker_set_up(cluster_->get(), id);
  }
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->produce().results(0).has_delivered())
      << resp->DebugString();
  EXPECT_EQ(Value("kafka_sidecar_inflight_records"), 0);
}

// Opens a TCP connection to the endpoint and sends `bytes` without
// finishing the request.
int OpenIdle(int port, const std::string& bytes) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return -1;
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return fd;
}

TEST_F(MetricsTest, StalledScrapersDoNotBlockTheProducePath) {
  std::vector<int> idle;
  for (size_t i = 0; i < HttpServer::kMaxConnections + 8; ++i) {
    idle.push_back(OpenIdle(port(), "GET /metr"));
    ASSERT_GE(idle.back(), 0);
  }
  WireClient client(socket_path());
  for (int i = 1; i <= 50; ++i) client.Send(MakeProduce(i, "busy", 20));
  for (int i = 1; i <= 50; ++i) {
    auto resp = client.Receive();
    ASSERT_TRUE(resp.has_value()) << "produce stalled behind HTTP clients";
    ASSERT_TRUE(resp->produce().results(19).has_delivered());
  }
  // Past the connection limit the endpoint closes at once.
  pollfd pfd{idle.back(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 10000), 1) << "not closed";
  char byte;
  EXPECT_LE(recv(idle.back(), &byte, 1, 0), 0);  // EOF or reset
  for (int fd : idle) close(fd);
  EXPECT_EQ(HttpGet(port(), "/metrics").status, 200);
}

TEST_F(MetricsTest, BadRequestsGetHttpErrors) {
  EXPECT_EQ(HttpExchange(port(), "NONSENSE\r\n\r\n").status, 400);
  EXPECT_EQ(HttpExchange(port(),
                         "POST /metrics HTTP/1.1\r\nHost: x\r\n"
                         "Content-Length: 0\r\n\r\n")
                .status,
            405);
  EXPECT_EQ(HttpGet(port(), "/nope").status, 404);
  EXPECT_EQ(HttpExchange(port(), "GET /metrics HTTP/1.1\r\nX-Pad: " +
                                     std::string(20000, 'a') + "\r\n\r\n")
                .status,
            413);
  EXPECT_EQ(HttpGet(port(), "/metrics?x=1").status, 200);
}

TEST(MetricsUnitTest, ListenAddressForms) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(ParseListenAddress("9187", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9187);
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:80", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  ASSERT_TRUE(ParseListenAddress("[::1]:9000", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9000);
  EXPECT_FALSE(ParseListenAddress("host:99999", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("host:", &host, &port).ok());
}

TEST(MetricsUnitTest, StatisticsJsonIsReducedToTheFiguresWeExport) {
  const auto stats = ParseKafkaStats(R"({
    "age": 5000, "msg_cnt": 7, "msg_size": 700, "msg_max": 100000,
    "msg_size_max": 1073741824, "tx": 12, "txmsgs": 30,
    "brokers": {
      "b:9092/bootstrap": {"name": "b:9092/bootstrap", "nodeid": -1,
                           "state": "UP"},
      "h:9092/1": {"name": "h:9092/1", "nodeid": 1, "state": "UP",
                   "rtt": {"avg": 1500, "p99": 4000}, "txretries": 2},
      "h:9093/2": {"name": "h:9093/2", "nodeid": 2, "state": "CONNECT",
                   "txretries": 1, "req_timeouts": 3}
    }})");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(stats->queue_msgs, 7);
  EXPECT_EQ(stats->queue_bytes, 700);
  ASSERT_EQ(stats->brokers.size(), 2u) << "bootstrap entries are left out";
  EXPECT_EQ(stats->brokers_up(), 1u);
  EXPECT_EQ(stats->tx_retries, 3);
  EXPECT_EQ(stats->brokers[0].rtt_p99_us, 4000);
  EXPECT_EQ(ParseKafkaStats("not json"), nullptr);
  EXPECT_EQ(ParseKafkaStats("{\"x\": 1}"), nullptr);

  Counters counters;
  OpsMetrics ops;
  ops.delivery_errors["_MSG_TIMED_OUT"] = 4;
  MetricsView view;
  view.counters = &counters;
  view.ops = &ops;
  view.kafka = stats;
  const std::string text = RenderPrometheus(view);
  EXPECT_EQ(
      MetricValue(
          text,
          "kafka_sidecar_delivery_errors_total{error=\"_MSG_TIMED_OUT\"}"),
      4);
  EXPECT_EQ(
      MetricValue(
          text,
          "kafka_sidecar_kafka_broker_rtt_p99_seconds{broker=\"h:9092/1\"}"),
      0.004);
  EXPECT_EQ(MetricValue(text,
                        "kafka_sidecar_kafka_broker_up{broker=\"h:9093/"
                        "2\",node_id=\"2\",state=\"CONNECT\"}"),
            0);
  EXPECT_EQ(MetricValue(text, "kafka_sidecar_producer_queue_bytes"), 700);
  EXPECT_EQ(EscapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace kafka_sidecar::testing
