// A connected Unix stream socket, owned. Blocking I/O with deadlines; the
// errno of a failure is returned, never thrown. Send and Receive may run on
// two threads at once (one each); Shutdown may be called from any thread and
// wakes both.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_UNIX_SOCKET_H_
#define KAFKA_SIDECAR_CLIENT_SRC_UNIX_SOCKET_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kafka_sidecar {

class UnixSocket {
 public:
  // On failure returns nullopt and sets *errno_value.
  static std::optional<UnixSocket> Connect(const std::string& path,
                                           std::chrono::milliseconds timeout,
                                           int* errno_value);

  UnixSocket(UnixSocket&& other) noexcept;
  UnixSocket& operator=(UnixSocket&&) = delete;
  UnixSocket(const UnixSocket&) = delete;
  ~UnixSocket();

  // Bounds how long one Send may block on a full socket; nullopt: forever.
  void SetSendTimeout(std::optional<std::chrono::milliseconds> timeout);

  struct SendResult {
    size_t written = 0;
    int errno_value = 0;  // 0: everything was written
  };
  // Writes every piece, in order, as one contiguous byte stream.
  SendResult Send(std::span<const std::string_view> pieces);

  // Waits up to `timeout` (nullopt: forever) for bytes. Returns the count
  // read; 0 on end of stream; -1 with *errno_value set on error; and -1
  // with *errno_value == 0 when the wait timed out.
  long Receive(char* buffer, size_t size,
               std::optional<std::chrono::milliseconds> timeout,
               int* errno_value);

  // Ends both directions: a blocked Receive returns 0, a blocked Send fails.
  void Shutdown();

 private:
  explicit UnixSocket(int fd) : fd_(fd) {}

  int fd_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_UNIX_SOCKET_H_
