// libFuzzer target: frame decoding + request handling of a real, in-process
// kafka-sidecard (real loop, real Unix socket, real producer) against an
// in-process mock cluster. Each input is one client connection's byte
// stream: sent, half-closed, and read back until the daemon closes.
//
// Oracle, beyond "no crash, no sanitizer report, no hang": every response is
// a well-formed frame holding a Response, and the number of responses is
// what the protocol promises for the frames in the input (one per request,
// none for a valid ACK_MODE_NONE produce, one error for an unparsable frame,
// one error and the end of the stream for an oversize frame). Every frame
// also goes through the daemon's hand-written produce reader, which must
// agree with the generated parser whenever it accepts (see
// produce_decoder_fuzzer for the same check alone, much faster).
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "daemon.h"
#include "frame_codec.h"
#include "mock_cluster.h"
#include "produce_decoder.h"
#include "sidecar.pb.h"

namespace {

using namespace kafka_sidecar;

constexpr uint32_t kMaxFrame = 2048;
constexpr uint32_t kMaxRecords = 64;

struct Harness {
  std::unique_ptr<MockCluster> cluster;
  std::unique_ptr<Daemon> daemon;
  std::thread loop;
  std::string socket_path;
};

Harness* g = nullptr;

void Start() {
  spdlog::set_level(getenv("KS_FUZZ_LOG") ? spdlog::level::debug
                                          : spdlog::level::off);
  g = new Harness();  // lives until the process exits
  auto cluster = MockCluster::Create(1);
  if (!cluster.ok()) std::abort();
  g->cluster = std::move(cluster.value());
  char dir[] = "/tmp/ks-fuzz-XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  g->socket_path = std::string(dir) + "/sidecar.sock";
  Config config;
  config.socket_path = g->socket_path;
  config.max_frame_bytes = kMaxFrame;
  config.max_records_per_request = kMaxRecords;
  SetKafkaProperty(&config, "bootstrap.servers", g->cluster->bootstrap());
  SetKafkaProperty(&config, "linger.ms", "1");
  SetKafkaProperty(&config, "message.timeout.ms", "5000");
  if (!getenv("KS_FUZZ_LOG")) SetKafkaProperty(&config, "log_level", "0");
  if (getenv("KS_FUZZ_DEBUG")) {
    SetKafkaProperty(&config, "debug", getenv("KS_FUZZ_DEBUG"));
  }
  auto daemon = Daemon::Create(config);
  if (!daemon.ok()) {
    std::fprintf(stderr, "%s\n", daemon.status().message().c_str());
    std::abort();
  }
  g->daemon = std::move(daemon.value());
  g->loop = std::thread([] { g->daemon->Run(); });
  g->loop.detach();
}

void CheckReaderAgrees(std::string_view payload, bool parsed,
                       const v1::Request& req) {
  ProduceBatch mine;
  if (DecodeProduceRequest(payload, &mine) != DecodeResult::kProduce) return;
  ProduceBatch theirs;
  if (parsed && req.has_produce()) {
    ViewProduceRequest(req.id(), req.produce(), &theirs);
    if (SameProduce(mine, theirs)) return;
  }
  std::fprintf(stderr, "the hand-written reader disagrees with protobuf\n");
  std::abort();
}

// How many responses the daemon owes for `input`.
size_t ExpectedResponses(const uint8_t* data, size_t size) {
  FrameDecoder decoder(kMaxFrame);
  decoder.Feed(std::string_view(reinterpret_cast<const char*>(data), size));
  size_t expected = 0;
  std::string_view payload;
  while (true) {
    const auto result = decoder.Next(&payload);
    if (result == FrameDecoder::Result::kNeedMore) return expected;
    if (result == FrameDecoder::Result::kTooLarge) return expected + 1;
    v1::Request req;
    const bool parsed =
        req.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
    CheckReaderAgrees(payload, parsed, req);
    if (!parsed) {
      ++expected;
      continue;
    }
    const bool silent =
        req.has_produce() && req.produce().ack() == v1::ACK_MODE_NONE &&
        req.produce().records_size() > 0 &&
        static_cast<uint32_t>(req.produce().records_size()) <= kMaxRecords;
    if (!silent) ++expected;
  }
}

int Connect();

// On a hang: what the daemon says about itself, from a fresh connection.
void DumpDaemonState() {
  const int fd = Connect();
  v1::Request ping;
  ping.set_id(1);
  ping.mutable_ping();
  std::string frame;
  AppendFrame(ping.SerializeAsString(), &frame);
  (void)!send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
  FrameDecoder decoder(1u << 20);
  char buf[4096];
  pollfd pfd{fd, POLLIN, 0};
  std::string_view payload;
  while (poll(&pfd, 1, 5000) > 0) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    decoder.Feed(std::string_view(buf, static_cast<size_t>(n)));
    if (decoder.Next(&payload) == FrameDecoder::Result::kFrame) {
      v1::Response resp;
      resp.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
      std::fprintf(stderr, "daemon state: %s\n", resp.DebugString().c_str());
      break;
    }
  }
  close(fd);
}

int Connect() {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, g->socket_path.c_str(),
               sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::abort();  // the daemon must always accept
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Start();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = Connect();
  // Inputs are small (-max_len): the socket buffer takes them whole. A send
  // may fail once the daemon closed after an oversize frame: that is fine.
  size_t off = 0;
  while (off < size) {
    const ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  // Read until the daemon closes: it does once everything is answered.
  FrameDecoder decoder(1u << 30);
  size_t responses = 0;
  char buf[65536];
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    pollfd pfd{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;  // libFuzzer's -timeout alarm
    if (ready <= 0) {
      std::fprintf(stderr, "the daemon did not answer and close in 20 s\n");
      DumpDaemonState();
      std::abort();
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    decoder.Feed(std::string_view(buf, static_cast<size_t>(n)));
    std::string_view payload;
    while (decoder.Next(&payload) == FrameDecoder::Result::kFrame) {
      v1::Response resp;
      if (!resp.ParseFromArray(payload.data(),
                               static_cast<int>(payload.size()))) {
        std::abort();  // the daemon wrote a malformed response
      }
      ++responses;
    }
  }
  close(fd);
  if (decoder.buffered() != 0) {
    std::fprintf(stderr, "truncated response frame\n");
    std::abort();
  }
  const size_t expected = ExpectedResponses(data, size);
  if (responses != expected) {
    std::fprintf(stderr, "%zu responses, the protocol promises %zu\n",
                 responses, expected);
    std::abort();
  }
  return 0;
}
