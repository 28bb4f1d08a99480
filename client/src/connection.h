// One socket to kafka-sidecard, opened with a Hello and then shared by every
// request of a Client: writers send whole frames under a mutex, one reader
// thread decodes answers and completes requests from a PendingTable.
//
// Threads: Send*() from any thread; handlers run on the reader thread (or,
// when the connection dies during Send, on the sending thread). A
// connection dies once and never comes back: after that Send*() refuses and
// every request still in flight fails with CONNECTION_LOST. The destructor
// must not run on the reader thread (see Client::Impl).
#ifndef KAFKA_SIDECAR_CLIENT_SRC_CONNECTION_H_
#define KAFKA_SIDECAR_CLIENT_SRC_CONNECTION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "frame_codec.h"
#include "kafka_sidecar/result.h"
#include "pending_table.h"
#include "sidecar.pb.h"
#include "unix_socket.h"

namespace kafka_sidecar {

struct ConnectionOptions {
  std::string socket_path;
  std::chrono::milliseconds connect_timeout;
  std::optional<std::chrono::milliseconds> request_timeout;
  std::string client_name;
};

class Connection {
 public:
  // Connects and completes the Hello exchange. Errors: DAEMON_UNREACHABLE,
  // UNSUPPORTED_VERSION.
  static Result<std::unique_ptr<Connection>> Open(ConnectionOptions options);

  // Fails what is still in flight with CLIENT_CLOSED and joins the reader.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one request frame, the concatenation of `pieces`, whose answer
  // completes `handler`. On success the handler is taken and will run
  // exactly once. On failure nothing reached the daemon and the handler is
  // left in place, not run.
  [[nodiscard]] Status Send(uint64_t id,
                            std::span<const std::string_view> pieces,
                            ResponseHandler& handler);
  // Sends a request that gets no answer (AckMode::kNone).
  [[nodiscard]] Status SendOneWay(std::span<const std::string_view> pieces);

  bool alive() const { return alive_.load(std::memory_order_acquire); }
  // True once the reader thread has completed every request it owned.
  bool reader_done() const { return reader_done_.load(); }
  bool OnReaderThread() const;
  uint32_t max_frame_bytes() const { return max_frame_bytes_; }
  // Most records one produce request may carry (HelloResponse).
  uint32_t max_records_per_request() const { return max_records_per_request_; }

 private:
  Connection(ConnectionOptions options, UnixSocket socket);

  [[nodiscard]] Status Handshake();
  [[nodiscard]] Status Write(std::span<const std::string_view> pieces);
  void ReadLoop();
  [[nodiscard]] bool DrainFrames(std::string* why_dead);
  [[nodiscard]] bool HandleFrame(std::string_view payload,
                                 std::string* why_dead);
  void FailPending(const std::string& why_dead);
  void Die();

  const ConnectionOptions options_;
  UnixSocket socket_;
  uint32_t max_frame_bytes_;
  uint32_t max_records_per_request_;
  std::mutex write_mu_;  // one frame at a time on the socket
  std::atomic<bool> alive_{true};
  std::atomic<bool> closing_{false};  // the destructor is shutting it down
  std::atomic<bool> reader_done_{false};
  PendingTable pending_;

  // Reader thread only.
  FrameDecoder decoder_;
  v1::Response response_;  // the Hello answer
  // Each answer is parsed onto an arena whose first block is reused: a
  // produce answer holds one message per record, and per-record malloc and
  // free were most of the reader's time.
  std::unique_ptr<char[]> answer_block_;
  std::string last_daemon_error_;
  std::thread reader_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_CONNECTION_H_
