#include "status_command.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "frame_codec.h"

namespace kafka_sidecar::cli {
namespace {

constexpr uint64_t kRequestId = 1;
constexpr uint32_t kMaxResponseBytes = 16 << 20;

// A connected socket, closed on scope exit.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string Duration(uint64_t ms) {
  uint64_t s = ms / 1000;
  char buf[64];
  if (s >= 86400) {
    std::snprintf(buf, sizeof(buf), "%llud %02lluh %02llum",
                  (unsigned long long)(s / 86400),
                  (unsigned long long)(s % 86400 / 3600),
                  (unsigned long long)(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%lluh %02llum %02llus",
                  (unsigned long long)(s / 3600),
                  (unsigned long long)(s % 3600 / 60),
                  (unsigned long long)(s % 60));
  }
  return buf;
}

std::string Bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%llu B", (unsigned long long)n);
  } else if (n < (1 << 20)) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", n / 1024.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", n / 1048576.0);
  }
  return buf;
}

bool SendAll(int fd, const std::string& bytes, std::string* error) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n =
        send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = std::string("cannot send to the daemon: ") + strerror(errno);
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<v1::StatusResponse> FetchStatus(const StatusOptions& options,
                                              std::string* error) {
  sockaddr_un addr{};
  if (options.socket_path.size() >= sizeof(addr.sun_path)) {
    *error = "socket path is too long: " + options.socket_path;
    return std::nullopt;
  }
  Socket sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, options.socket_path.c_str(),
              options.socket_path.size());
  if (connect(sock.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
      0) {
    *error = "cannot connect to " + options.socket_path + ": " +
             strerror(errno) + " (is kafka-sidecard running?)";
    return std::nullopt;
  }
  v1::Request request;
  request.set_id(kRequestId);
  request.mutable_status();
  std::string frame;
  AppendFrame(request.SerializeAsString(), &frame);
  if (!SendAll(sock.fd(), frame, error)) return std::nullopt;

  FrameDecoder decoder(kMaxResponseBytes);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.timeout_ms);
  char buf[16384];
  while (true) {
    std::string_view payload;
    if (decoder.Next(&payload) == FrameDecoder::Result::kFrame) {
      v1::Response response;
      if (!response.ParseFromArray(payload.data(),
                                   static_cast<int>(payload.size()))) {
        *error = "the daemon sent a response that does not parse";
        return std::nullopt;
      }
      if (response.has_status()) return response.status();
      if (response.has_error()) {
        *error = "the daemon refused the status request: " +
                 response.error().name() + ": " + response.error().message();
        return std::nullopt;
      }
      continue;  // not ours
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      *error = "the daemon did not answer within " +
               std::to_string(options.timeout_ms) + " ms";
      return std::nullopt;
    }
    pollfd pfd{sock.fd(), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = recv(sock.fd(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "the daemon closed the connection without answering";
      return std::nullopt;
    }
    decoder.Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

void PrintStatus(const v1::StatusResponse& s, const std::string& socket,
                 std::FILE* out) {
  const v1::PingResponse& p = s.ping();
  std::fprintf(out, "%s: kafka-sidecard %s (protocol %u), up %s\n",
               s.healthy() ? "HEALTHY" : "UNHEALTHY",
               p.daemon_version().c_str(), p.protocol_version(),
               Duration(p.uptime_ms()).c_str());
  for (const std::string& problem : s.problems()) {
    std::fprintf(out, "  problem: %s\n", problem.c_str());
  }
  std::fprintf(out, "socket:      %s (%u connections%s)\n", socket.c_str(),
               p.connections(), s.shutting_down() ? ", shutting down" : "");
  std::fprintf(out, "kafka:       %u of %u brokers up\n", p.brokers_up(),
               p.brokers_total());
  for (const v1::BrokerStatus& b : s.brokers()) {
    std::fprintf(out, "  %-28s %-8s rtt avg %.1f ms, p99 %.1f ms\n",
                 b.name().c_str(), b.state().c_str(), b.rtt_avg_us() / 1000.0,
                 b.rtt_p99_us() / 1000.0);
  }
  std::fprintf(out, "queue:       %llu records in flight, %llu queued (%s)\n",
               (unsigned long long)p.in_flight_records(),
               (unsigned long long)s.queue_messages(),
               Bytes(s.queue_bytes()).c_str());
  std::fprintf(out,
               "records:     %llu delivered, %llu failed, %llu accepted, "
               "%llu denied\n",
               (unsigned long long)s.records_delivered(),
               (unsigned long long)s.records_failed(),
               (unsigned long long)s.records_accepted(),
               (unsigned long long)s.records_denied());
  std::fprintf(out,
               "rates:       %.1f delivered/s, %.1f failed/s (last %u s)\n",
               s.delivered_per_second(), s.failed_per_second(),
               s.rate_window_ms() / 1000);
  if (!s.delivery_errors().empty()) {
    std::fprintf(out, "errors:     ");
    for (const auto& [name, count] : s.delivery_errors()) {
      std::fprintf(out, " %s=%llu", name.c_str(), (unsigned long long)count);
    }
    std::fprintf(out, "\n");
  }
  if (s.connections_denied() > 0) {
    std::fprintf(out, "denied:      %llu connections\n",
                 (unsigned long long)s.connections_denied());
  }
}

int RunStatus(const StatusOptions& options, std::FILE* out, std::FILE* err) {
  std::string error;
  auto status = FetchStatus(options, &error);
  if (!status) {
    std::fprintf(err, "UNHEALTHY: %s\n", error.c_str());
    return 1;
  }
  PrintStatus(*status, options.socket_path, out);
  return status->healthy() ? 0 : 1;
}

}  // namespace kafka_sidecar::cli
