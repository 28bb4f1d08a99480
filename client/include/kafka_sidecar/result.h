// Error values returned by the kafka-sidecar client: a precise Error and a
// small Result<T> that holds either a value or that Error. Value types;
// safe to copy and to hand between threads.
#ifndef KAFKA_SIDECAR_CLIENT_RESULT_H_
#define KAFKA_SIDECAR_CLIENT_RESULT_H_

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kafka_sidecar {

// Did the record reach the Kafka log? Decides whether a retry may duplicate.
enum class Persistence {
  kUnspecified,
  kNotPersisted,       // never written: safe to retry
  kPossiblyPersisted,  // outcome unknown: a retry may duplicate
  kPersisted,
};

// Values of Error::code. The daemon's codes mirror sidecar.proto's ErrorCode
// without its prefix; the client adds the ones that happen on its side.
namespace error_code {
inline constexpr std::string_view kKafka = "KAFKA";
inline constexpr std::string_view kInvalidRequest = "INVALID_REQUEST";
inline constexpr std::string_view kFrameTooLarge = "FRAME_TOO_LARGE";
inline constexpr std::string_view kNotAllowed = "NOT_ALLOWED";
inline constexpr std::string_view kQueueFull = "QUEUE_FULL";
inline constexpr std::string_view kShuttingDown = "SHUTTING_DOWN";
inline constexpr std::string_view kUnsupportedVersion = "UNSUPPORTED_VERSION";
inline constexpr std::string_view kInternal = "INTERNAL";
// Client side: no daemon listens on the socket (nothing was sent).
inline constexpr std::string_view kDaemonUnreachable = "DAEMON_UNREACHABLE";
// Client side: the connection died with the request in flight.
inline constexpr std::string_view kConnectionLost = "CONNECTION_LOST";
// Client side: no answer within ClientOptions::request_timeout.
inline constexpr std::string_view kTimeout = "TIMEOUT";
// Client side: the Client was destroyed with the request in flight.
inline constexpr std::string_view kClientClosed = "CLIENT_CLOSED";
// Client side: the daemon sent something this client cannot understand.
inline constexpr std::string_view kProtocolError = "PROTOCOL_ERROR";
}  // namespace error_code

struct Error {
  std::string code;        // one of error_code::k*
  int32_t kafka_code = 0;  // rd_kafka_resp_err_t when code == "KAFKA"
  std::string name;        // e.g. "UNKNOWN_TOPIC_OR_PART", "_MSG_TIMED_OUT"
  std::string message;     // human readable detail
  bool retriable = false;  // retrying later may succeed
  Persistence persistence = Persistence::kUnspecified;

  // "NAME: message (retriable, possibly persisted)" for logs and the CLI.
  std::string ToString() const;
};

std::string_view PersistenceName(Persistence persistence);

// Either a T or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return Get(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return Get(); }
  const T* operator->() const { return &Get(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  const T& Get() const { return std::get<0>(v_); }

  std::variant<T, Error> v_;
};

// Success or an Error, with no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_RESULT_H_
