// Status and Result: errors as values, the way they enter and leave our code.
// Value types; any thread.
#ifndef KAFKA_SIDECAR_DAEMON_STATUS_H_
#define KAFKA_SIDECAR_DAEMON_STATUS_H_

#include <optional>
#include <string>
#include <utility>

namespace kafka_sidecar {

class [[nodiscard]] Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.message_ = std::move(message);
    s.ok_ = false;
    return s;
  }
  // From a libuv return code: 0 is ok, negative is an error.
  static Status FromUv(int rc, const std::string& what);

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_STATUS_H_
