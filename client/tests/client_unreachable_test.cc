// Without a working daemon every call must fail fast and clearly, never
// crash or hang. These peers are bare sockets, not daemon stand-ins: they
// only listen, or hang up.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "kafka_sidecar/client.h"

namespace kafka_sidecar {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class TempDir {
 public:
  TempDir() {
    char path[] = "/tmp/ks-client-test-XXXXXX";
    path_ = ::mkdtemp(path);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Binds `path`; listens unless told not to. Returns the fd (leaked to the
// test's lifetime on purpose: the kernel closes it at exit).
int BindUnix(const std::string& path, bool listen) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  if (listen) {
    EXPECT_EQ(::listen(fd, 16), 0);
  }
  return fd;
}

ClientOptions Options(const std::string& path) {
  ClientOptions options;
  options.socket_path = path;
  options.connect_timeout = milliseconds(300);
  options.close_timeout = milliseconds(100);
  return options;
}

void ExpectUnreachable(const Error& error, const std::string& path,
                       const std::string& detail) {
  EXPECT_EQ(error.code, error_code::kDaemonUnreachable);
  EXPECT_NE(error.message.find(path), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(detail), std::string::npos) << error.message;
  EXPECT_TRUE(error.retriable);
  EXPECT_EQ(error.persistence, Persistence::kNotPersisted);
}

const Record kRecord{.topic = "t", .value = "v"};

TEST(ClientUnreachableTest, MissingSocketFailsEveryCallClearly) {
  TempDir dir;
  const std::string path = dir.Path("absent.sock");
  Client client(Options(path));
  const auto start = Clock::now();
  const char* enoent = "No such file or directory";

  Result<RecordMetadata> produced = client.Produce(kRecord);
  ASSERT_FALSE(produced.ok());
  ExpectUnreachable(produced.error(), path, enoent);

  bool called = false;
  client.ProduceAsync(kRecord, [&](Result<RecordMetadata> result) {
    called = true;  // synchronously: nothing could be sent
    EXPECT_EQ(result.error().code, error_code::kDaemonUnreachable);
  });
  EXPECT_TRUE(called);

  EXPECT_EQ(client.ProduceFuture(kRecord).get().error().code,
            error_code::kDaemonUnreachable);
  const auto batch =
      client.ProduceBatch({kRecord, kRecord}, AckMode::kAccepted);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[1].error().code, error_code::kDaemonUnreachable);
  Status sent = client.Send(kRecord);
  ASSERT_FALSE(sent.ok());
  ExpectUnreachable(sent.error(), path, enoent);
  Result<PingInfo> ping = client.Ping();
  ASSERT_FALSE(ping.ok());
  ExpectUnreachable(ping.error(), path, enoent);

  EXPECT_TRUE(client.Flush(milliseconds(0)).ok());
  EXPECT_EQ(client.in_flight(), 0u);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(ClientUnreachableTest, SocketWithoutListenerIsRefused) {
  TempDir dir;
  const std::string path = dir.Path("stale.sock");
  BindUnix(path, /*listen=*/false);  // what a crashed daemon leaves behind
  Client client(Options(path));
  Result<PingInfo> ping = client.Ping();
  ASSERT_FALSE(ping.ok());
  ExpectUnreachable(ping.error(), path, "Connection refused");
}

TEST(ClientUnreachableTest, SilentPeerIsBoundedByConnectTimeout) {
  TempDir dir;
  const std::string path = dir.Path("silent.sock");
  BindUnix(path, /*listen=*/true);  // connects, never answers Hello
  Client client(Options(path));
  const auto start = Clock::now();
  Result<RecordMetadata> produced = client.Produce(kRecord);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(produced.ok());
  ExpectUnreachable(produced.error(), path, "no answer to Hello");
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(ClientUnreachableTest, PeerThatHangsUpFailsTheHandshake) {
  TempDir dir;
  const std::string path = dir.Path("hangup.sock");
  const int listener = BindUnix(path, /*listen=*/true);
  std::thread peer(
      [listener] { ::close(::accept(listener, nullptr, nullptr)); });
  Client client(Options(path));
  Result<PingInfo> ping = client.Ping();
  peer.join();
  ASSERT_FALSE(ping.ok());
  EXPECT_EQ(ping.error().code, error_code::kDaemonUnreachable);
  EXPECT_NE(ping.error().message.find("handshake"), std::string::npos)
      << ping.error().message;
}

TEST(ClientUnreachableTest, OverlongPathIsAClearError) {
  Client client(Options("/tmp/" + std::string(200, 'x')));
  Result<PingInfo> ping = client.Ping();
  ASSERT_FALSE(ping.ok());
  EXPECT_NE(ping.error().message.find("File name too long"), std::string::npos);
}

TEST(ClientUnreachableTest, ManyThreadsAtOnce) {
  Client client(Options("/tmp/ks-client-test-absent.sock"));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!client.Produce(kRecord).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 800);
}

TEST(ClientOptionsTest, DefaultSocketPathHonoursEnvironment) {
  ::setenv("KAFKA_SIDECAR_SOCKET", "/tmp/custom.sock", 1);
  EXPECT_EQ(DefaultSocketPath(), "/tmp/custom.sock");
  ::unsetenv("KAFKA_SIDECAR_SOCKET");
  EXPECT_EQ(DefaultSocketPath(), "/run/kafka-sidecar/kafka-sidecar.sock");
}

}  // namespace
}  // namespace kafka_sidecar
