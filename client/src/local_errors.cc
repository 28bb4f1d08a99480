#include "local_errors.h"

#include <cstring>
#include <string>

namespace kafka_sidecar {
namespace {

Error Make(std::string_view code, std::string message, bool retriable,
           Persistence persistence) {
  return Error{.code = std::string(code),
               .kafka_code = 0,
               .name = std::string(code),
               .message = std::move(message),
               .retriable = retriable,
               .persistence = persistence};
}

std::string Daemon(std::string_view socket_path) {
  return "kafka-sidecard at " + std::string(socket_path);
}

}  // namespace

Error DaemonUnreachable(std::string_view socket_path, int errno_value) {
  return Make(error_code::kDaemonUnreachable,
              "cannot connect to " + Daemon(socket_path) + ": " +
                  std::strerror(errno_value) + " (is kafka-sidecard running?)",
              true, Persistence::kNotPersisted);
}

Error HandshakeFailed(std::string_view socket_path, std::string_view why) {
  return Make(
      error_code::kDaemonUnreachable,
      "handshake with " + Daemon(socket_path) + " failed: " + std::string(why),
      true, Persistence::kNotPersisted);
}

Error NotSent(std::string_view socket_path, std::string_view why) {
  return Make(
      error_code::kConnectionLost,
      "request not sent to " + Daemon(socket_path) + ": " + std::string(why),
      true, Persistence::kNotPersisted);
}

Error ConnectionLost(std::string_view socket_path, std::string_view why) {
  return Make(error_code::kConnectionLost,
              "connection to " + Daemon(socket_path) + " lost (" +
                  std::string(why) +
                  ") with the request in flight; its outcome is unknown",
              true, Persistence::kPossiblyPersisted);
}

Error RequestTimedOut(std::string_view socket_path) {
  return Make(error_code::kTimeout,
              "no answer from " + Daemon(socket_path) +
                  " within the request timeout; outcome unknown",
              true, Persistence::kPossiblyPersisted);
}

Error SendTimedOut(std::string_view socket_path) {
  return Make(error_code::kTimeout,
              Daemon(socket_path) +
                  " did not accept the request within the request timeout "
                  "(it is applying backpressure); nothing was sent",
              true, Persistence::kNotPersisted);
}

Error ClientClosed() {
  return Make(error_code::kClientClosed,
              "client closed with the request in flight; outcome unknown",
              false, Persistence::kPossiblyPersisted);
}

Error ProtocolError(std::string_view why) {
  return Make(error_code::kProtocolError, std::string(why), false,
              Persistence::kPossiblyPersisted);
}

Error FrameTooLarge(size_t frame_bytes, size_t max_frame_bytes) {
  return Make(error_code::kFrameTooLarge,
              "request of " + std::to_string(frame_bytes) +
                  " bytes exceeds the daemon's limit of " +
                  std::to_string(max_frame_bytes) +
                  " bytes; send fewer or smaller records per request",
              false, Persistence::kNotPersisted);
}

}  // namespace kafka_sidecar
