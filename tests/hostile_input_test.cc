// Hostile and broken clients (DESIGN invariant 5): every kind of bad input in
// one table, then many connections, churn, and clients killed mid-request.
// Each case gets its precise error on its own connection; a bystander
// connection is served after every case.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "daemon_fixture.h"
#include "kafka_reader.h"
#include "reliability_util.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

constexpr uint32_t kMaxFrame = 4 << 20;
constexpr uint32_t kMaxRecords = 1000;

std::string Frame(std::string_view payload) {
  std::string out;
  AppendFrame(payload, &out);
  return out;
}

std::string Header(uint32_t length) {
  std::string out;
  AppendFrameHeader(length, &out);
  return out;
}

std::string Serialized(const pb::Request& req) {
  return Frame(req.SerializeAsString());
}

pb::Request OneRecord(uint64_t id, const std::function<void(pb::Record*)>& f) {
  pb::Request req = MakeProduce(id, "hostile", 1);
  f(req.mutable_produce()->mutable_records(0));
  return req;
}

// What one response must be.
struct Expect {
  uint64_t id;
  std::function<void(const pb::Response&)> check;
};

Expect ConnError(uint64_t id, pb::ErrorCode code, const std::string& words) {
  return {id, [=](const pb::Response& r) {
            ASSERT_TRUE(r.has_error()) << r.DebugString();
            EXPECT_EQ(r.error().code(), code) << r.DebugString();
            EXPECT_NE(r.error().message().find(words), std::string::npos)
                << r.error().message();
          }};
}

Expect RecordError(uint64_t id, const std::string& name) {
  return {id, [=](const pb::Response& r) {
            ASSERT_TRUE(r.has_produce()) << r.DebugString();
            ASSERT_EQ(r.produce().results_size(), 1);
            ASSERT_TRUE(r.produce().results(0).has_error()) << r.DebugString();
            EXPECT_EQ(r.produce().results(0).error().name(), name)
                << r.DebugString();
          }};
}

Expect Delivered(uint64_t id) {
  return {id, [](const pb::Response& r) {
            ASSERT_TRUE(r.has_produce()) << r.DebugString();
            for (const auto& x : r.produce().results()) {
              EXPECT_TRUE(x.has_delivered()) << r.DebugString();
            }
          }};
}

struct Case {
  std::string name;
  std::string bytes;
  bool half_close = false;     // the client closes its side after sending
  std::vector<Expect> expect;  // in any order
  bool daemon_closes = false;  // the stream cannot be resynchronised
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back({"http request instead of frames",
                   "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                   false,
                   {ConnError(0, pb::ERROR_CODE_FRAME_TOO_LARGE, "exceeds")},
                   true});
  cases.push_back(
      {"length prefix of 4 GiB",
       "\xff\xff\xff\xff",
       false,
       {ConnError(0, pb::ERROR_CODE_FRAME_TOO_LARGE, "4294967295 bytes")},
       true});
  cases.push_back({"one byte over max_frame_bytes",
                   Header(kMaxFrame + 1),
                   false,
                   {ConnError(0, pb::ERROR_CODE_FRAME_TOO_LARGE, "exceeds")},
                   true});
  cases.push_back(
      {"requests before an oversize frame are still answered",
       Serialized(MakeProduce(5, "hostile", 3)) + Header(UINT32_MAX),
       false,
       {ConnError(0, pb::ERROR_CODE_FRAME_TOO_LARGE, "exceeds"), Delivered(5)},
       true});
  cases.push_back({"truncated header, then EOF", "\x00\x00", true, {}, true});
  cases.push_back({"truncated payload, then EOF",
                   Header(100) + "0123456789",
                   true,
                   {},
                   true});
  cases.push_back(
      {"zero-length frame",
       Header(0),
       false,
       {ConnError(0, pb::ERROR_CODE_INVALID_REQUEST, "no request kind")}});
  cases.push_back(
      {"valid frame, invalid protobuf (bad wire type)",
       Frame("\x0f\x01\x02"),
       false,
       {ConnError(0, pb::ERROR_CODE_INVALID_REQUEST, "not a valid Request")}});
  cases.push_back(
      {"valid frame, truncated varint",
       Frame("\x08\xff"),
       false,
       {ConnError(0, pb::ERROR_CODE_INVALID_REQUEST, "not a valid Request")}});
  cases.push_back(
      {"random bytes in a frame",
       Frame(std::string("\x12\x80\x80\x80\x80\x10junk", 10)),
       false,
       {ConnError(0, pb::ERROR_CODE_INVALID_REQUEST, "not a valid Request")}});
  // id 7, then field 50 (a request kind from the future), length 0.
  cases.push_back(
      {"unknown request kind",
       Frame(std::string("\x08\x07\x92\x03\x00", 5)),
       false,
       {ConnError(7, pb::ERROR_CODE_INVALID_REQUEST, "no request kind")}});
  {
    pb::Request req = MakeProduce(8, "hostile", 1);
    req.mutable_produce()->set_ack(static_cast<pb::AckMode>(42));
    cases.push_back({"unknown ack mode enum value",
                     Serialized(req),
                     false,
                     {ConnError(8, pb::ERROR_CODE_INVALID_REQUEST,
                                "unknown ack mode 42")}});
  }
  {
    // Unknown fields inside a record are ignored (forward compatibility).
    pb::Request req = MakeProduce(9, "hostile", 1);
    std::string bytes = req.SerializeAsString();
    cases.push_back({"unknown fields are ignored",
                     Frame(bytes + std::string("\xa0\x06\x01", 3)),
                     false,
                     {Delivered(9)}});
  }
  cases.push_back(
      {"empty topic",
       Serialized(OneRecord(10, [](pb::Record* r) { r->set_topic(""); })),
       false,
       {RecordError(10, "TOPIC_EXCEPTION")}});
  cases.push_back(
      {"topic of 300 characters",
       Serialized(OneRecord(
           11, [](pb::Record* r) { r->set_topic(std::string(300, 'a')); })),
       false,
       {RecordError(11, "TOPIC_EXCEPTION")}});
  {
    pb::Request req = MakeProduce(12, "hostile", 1);
    std::string bytes = Serialized(req);
    // Corrupt the topic into invalid UTF-8 (proto3 strings must be UTF-8).
    bytes.replace(bytes.find("hostile"), 2, "\xc3\x28");
    cases.push_back({"topic that is not UTF-8",
                     bytes,
                     false,
                     {ConnError(0, pb::ERROR_CODE_INVALID_REQUEST,
                                "not a valid Request")}});
  }
  cases.push_back({"partition INT32_MAX",
                   Serialized(OneRecord(
                       13, [](pb::Record* r) { r->set_partition(INT32_MAX); })),
                   false,
                   {RecordError(13, "_UNKNOWN_PARTITION")}});
  // librdkafka 2.0.2 freed the headers twice when the partition does not
  // exist (confluentinc/librdkafka#4627): this crashed the daemon.
  cases.push_back({"headers and a partition that does not exist",
                   Serialized(OneRecord(21,
                                        [](pb::Record* r) {
                                          r->set_partition(1000);
                                          r->add_headers()->set_key("a");
                                          r->add_headers()->set_value("b");
                                        })),
                   false,
                   {RecordError(21, "_UNKNOWN_PARTITION")}});
  cases.push_back({"partition INT32_MIN",
                   Serialized(OneRecord(
                       14, [](pb::Record* r) { r->set_partition(INT32_MIN); })),
                   false,
                   {RecordError(14, "INVALID_REQUEST")}});
  cases.push_back({"400000 headers in one record",
                   Serialized(OneRecord(15,
                                        [](pb::Record* r) {
                                          for (int i = 0; i < 400000; ++i) {
                                            r->add_headers()->set_key("h");
                                          }
                                        })),
                   false,
                   {RecordError(15, "MSG_SIZE_TOO_LARGE")}});
  cases.push_back(
      {"more records than max_records_per_request",
       Serialized(MakeProduce(16, "hostile", kMaxRecords + 1)),
       false,
       {ConnError(16, pb::ERROR_CODE_INVALID_REQUEST, "the limit is 1000")}});
  {
    pb::Request req;
    req.set_id(17);
    req.mutable_hello()->set_min_version(UINT32_MAX);
    req.mutable_hello()->set_max_version(3);
    cases.push_back({"hello with min above max",
                     Serialized(req),
                     false,
                     {ConnError(17, pb::ERROR_CODE_UNSUPPORTED_VERSION,
                                "protocol versions")}});
  }
  cases.push_back({"largest request id is echoed",
                   Serialized(MakeProduce(UINT64_MAX, "hostile", 1)),
                   false,
                   {Delivered(UINT64_MAX)}});
  cases.push_back(
      {"garbage frame between two good requests",
       Serialized(MakeProduce(18, "hostile", 1)) +
           Frame("\xff\xff\xff garbage") +
           Serialized(MakeProduce(19, "hostile", 1)),
       false,
       {Delivered(18),
        ConnError(0, pb::ERROR_CODE_INVALID_REQUEST, "not a valid Request"),
        Delivered(19)}});
  cases.push_back({"request split across a half-close",
                   Serialized(MakeProduce(20, "hostile", 2)),
                   true,
                   {Delivered(20)},
                   true});
  return cases;
}

class HostileTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    config->max_frame_bytes = kMaxFrame;
    config->max_records_per_request = kMaxRecords;
  }
};

TEST_F(HostileTest, EveryBadInputGetsItsErrorAndHarmsNobodyElse) {
  WireClient bystander(socket_path());
  uint64_t bystander_id = 1000;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    WireClient client(socket_path());
    ASSERT_TRUE(client.connected());
    client.SendRaw(c.bytes);
    if (c.half_close) client.ShutdownWrite();
    std::vector<bool> used(c.expect.size(), false);
    for (size_t i = 0; i < c.expect.size(); ++i) {
      auto resp = client.Receive(20000);
      ASSERT_TRUE(resp.has_value()) << "response " << i << " missing";
      bool matched = false;
      for (size_t e = 0; e < c.expect.size() && !matched; ++e) {
        if (used[e] || c.expect[e].id != resp->id()) continue;
        used[e] = matched = true;
        c.expect[e].check(*resp);
      }
      EXPECT_TRUE(matched) << "unexpected " << resp->DebugString();
    }
    if (c.daemon_closes) {
      EXPECT_FALSE(client.Receive(10000).has_value());
      EXPECT_TRUE(client.closed()) << "the daemon should close this stream";
    } else {
      client.Send(MakePing(4242));
      auto resp = client.Receive(20000);
      ASSERT_TRUE(resp && resp->has_ping()) << "connection must go on";
    }
    bystander.Send(MakeProduce(++bystander_id, "bystander", 1));
    auto resp = bystander.Receive(20000);
    ASSERT_TRUE(resp && resp->has_produce());
    EXPECT_TRUE(resp->produce().results(0).has_delivered());
  }
}

class ManyConnectionsTest : public DaemonTest {
 protected:
  void SetUp() override {
    // 1,000 clients + 1,000 daemon ends + the cluster, in this one process.
    rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < 4096) {
      lim.rlim_cur = std::min<rlim_t>(4096, lim.rlim_max);
      setrlimit(RLIMIT_NOFILE, &lim);
    }
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < 2200) GTEST_SKIP() << "fd limit " << lim.rlim_cur;
    DaemonTest::SetUp();
  }
};

TEST_F(ManyConnectionsTest, AThousandConcurrentConnections) {
  constexpr int kClients = 1000;
  std::vector<std::unique_ptr<WireClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<WireClient>(socket_path()));
    ASSERT_TRUE(clients.back()->connected()) << "client " << i;
    clients.back()->Send(MakeProduce(i, "thousand", 2, pb::ACK_MODE_DELIVERED,
                                     "c" + std::to_string(i)));
  }
  WireClient observer(socket_path());
  observer.Send(MakePing(1));
  auto ping = observer.Receive();
  ASSERT_TRUE(ping && ping->has_ping());
  EXPECT_EQ(ping->ping().connections(), kClients + 1u);
  for (int i = 0; i < kClients; ++i) {
    auto resp = clients[i]->Receive(30000);
    ASSERT_TRUE(resp && resp->has_produce()) << "client " << i;
    EXPECT_EQ(resp->id(), static_cast<uint64_t>(i));
    for (const auto& r : resp->produce().results()) {
      EXPECT_TRUE(r.has_delivered()) << r.DebugString();
    }
  }
  EXPECT_EQ(HighWatermarkSum(bootstrap(), "thousand"), 2 * kClients);
}

// A new client is served, and once every earlier connection is forgotten
// it is the daemon's only one (closing is asynchronous and has no event a
// client sees: poll the count).
void ExpectServedAndAlone(const std::string& socket_path) {
  WireClient steady(socket_path);
  steady.Send(MakeProduce(1, "steady", 1));
  auto resp = steady.Receive();
  ASSERT_TRUE(resp && resp->produce().results(0).has_delivered());
  EXPECT_TRUE(PollUntil(
      [&] {
        steady.Send(MakePing(2));
        auto p = steady.Receive();
        return p && p->ping().connections() == 1;
      },
      std::chrono::seconds(30)));
}

// Connect, send, disconnect at random points (mid-frame, with requests in
// flight, after reading some answers) from 8 threads for 3 seconds.
TEST_F(HostileTest, ConnectionChurn) {
  std::atomic<bool> stop{false};
  std::atomic<int> sessions{0}, answers{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!stop.load()) {
        WireClient c(socket_path());
        const int n = static_cast<int>(rng() % 20);
        std::string bytes;
        std::vector<size_t> ends;  // where each frame ends
        for (int i = 0; i < n; ++i) {
          bytes += Serialized(MakeProduce(i, "churn", 1 + rng() % 5));
          ends.push_back(bytes.size());
        }
        // Cut the stream anywhere: often mid-frame.
        if (rng() % 2 && !bytes.empty()) bytes.resize(rng() % bytes.size());
        c.SendRaw(bytes);
        int complete = 0;
        while (complete < n && ends[complete] <= bytes.size()) ++complete;
        // Read some of the answers that will come, then leave.
        const int reads = static_cast<int>(rng() % (complete + 1));
        for (int i = 0; i < reads && !(rng() % 4 == 0); ++i) {
          if (c.Receive(5000)) ++answers;
        }
        ++sessions;
      }
    });
  }
  // The scenario's length, not a wait for anything.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop.store(true);
  for (auto& t : threads) t.join();
  std::printf("churn: %d sessions, %d answers read\n", sessions.load(),
              answers.load());
  EXPECT_GT(sessions.load(), 500);

  ExpectServedAndAlone(socket_path());
  ASSERT_EQ(StopDaemon(), 0);
  // What the daemon counted as delivered is exactly what Kafka holds.
  EXPECT_EQ(counters().records_delivered,
            static_cast<uint64_t>(HighWatermarkSum(bootstrap(), "churn") +
                                  HighWatermarkSum(bootstrap(), "steady")));
}

// Client processes SIGKILLed with requests in flight.
TEST_F(HostileTest, ClientsKilledWithRequestsInFlight) {
  constexpr int kChildren = 20;
  std::string bytes;
  for (int i = 0; i < 200; ++i) {
    bytes += Serialized(MakeProduce(i, "killed", 5));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path().c_str(), sizeof(addr.sun_path) - 1);
  std::vector<pid_t> children;
  for (int i = 0; i < kChildren; ++i) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      // Async-signal-safe calls only: the parent has threads.
      const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
        _exit(1);
      size_t off = 0;
      while (off < bytes.size()) {
        const ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
        if (n <= 0) _exit(1);
        off += static_cast<size_t>(n);
      }
      (void)!write(ready[1], "x", 1);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char x;
    ASSERT_EQ(read(ready[0], &x, 1), 1) << "child " << i << " failed";
    close(ready[0]);
    kill(pid, SIGKILL);
    children.push_back(pid);
  }
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  ExpectServedAndAlone(socket_path());
  ASSERT_EQ(StopDaemon(), 0);
  EXPECT_EQ(counters().records_delivered,
            static_cast<uint64_t>(HighWatermarkSum(bootstrap(), "killed") + 1));
  // How many answers found their client already dead depends on timing
  // (a fast Kafka answers before the kill), so it is not asserted.
}

}  // namespace
}  // namespace kafka_sidecar::testing
