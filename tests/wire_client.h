// A deliberately raw protocol client for the daemon's tests: blocking
// socket, frames built by hand, so tests can also send what no real client
// would (garbage, truncated or oversized frames). One thread at a time.
#ifndef KAFKA_SIDECAR_TESTS_WIRE_CLIENT_H_
#define KAFKA_SIDECAR_TESTS_WIRE_CLIENT_H_

#include <optional>
#include <string>
#include <string_view>

#include "frame_codec.h"
#include "sidecar.pb.h"

namespace kafka_sidecar::testing {

namespace pb = ::kafka_sidecar::v1;

class WireClient {
 public:
  explicit WireClient(const std::string& socket_path);
  ~WireClient();
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void Send(const pb::Request& request);
  void SendRaw(std::string_view bytes);
  // Next response, or nullopt on timeout or when the daemon closed the
  // connection (then closed() is true).
  std::optional<pb::Response> Receive(int timeout_ms = 20000);
  bool closed() const { return closed_; }
  void ShutdownWrite();
  void Close();

 private:
  int fd_ = -1;
  bool closed_ = false;
  FrameDecoder decoder_{1u << 30};
};

// A produce request of `records` to `topic`, values "prefix-i".
pb::Request MakeProduce(uint64_t id, const std::string& topic, int records,
                        pb::AckMode ack = pb::ACK_MODE_DELIVERED,
                        const std::string& prefix = "v");

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_TESTS_WIRE_CLIENT_H_
