#include "wire_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace kafka_sidecar::testing {

WireClient::WireClient(const std::string& socket_path) {
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

WireClient::~WireClient() { Close(); }

void WireClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void WireClient::ShutdownWrite() { shutdown(fd_, SHUT_WR); }

void WireClient::Send(const pb::Request& request) {
  std::string frame;
  AppendFrame(request.SerializeAsString(), &frame);
  SendRaw(frame);
}

void WireClient::SendRaw(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the daemon closed on us; Receive() will tell
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::optional<pb::Response> WireClient::Receive(int timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  while (true) {
    std::string_view payload;
    if (decoder_.Next(&payload) == FrameDecoder::Result::kFrame) {
      pb::Response response;
      if (!response.ParseFromArray(payload.data(),
                                   static_cast<int>(payload.size()))) {
        return std::nullopt;
      }
      return response;
    }
    if (closed_ || fd_ < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;
      continue;
    }
    decoder_.Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

pb::Request MakeProduce(uint64_t id, const std::string& topic, int records,
                        pb::AckMode ack, const std::string& prefix) {
  pb::Request req;
  req.set_id(id);
  auto* produce = req.mutable_produce();
  produce->set_ack(ack);
  for (int i = 0; i < records; ++i) {
    auto* r = produce->add_records();
    r->set_topic(topic);
    r->set_value(prefix + "-" + std::to_string(i));
  }
  return req;
}

}  // namespace kafka_sidecar::testing
