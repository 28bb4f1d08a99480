// The engine behind Client: owns the current connection, replaces it after
// it dies, sends requests on it (retrying once on a fresh connection when
// the daemon provably saw nothing), and counts requests in flight for
// Flush(). Thread-safe.
//
// Dead connections are retired, not destroyed at once: destroying one joins
// its reader thread, and the thread that notices the death may be running
// inside that reader's callbacks. They are reaped later from a thread that
// is not theirs, outside every lock, or by the destructor.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_CLIENT_IMPL_H_
#define KAFKA_SIDECAR_CLIENT_SRC_CLIENT_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "batch_split.h"
#include "connection.h"
#include "kafka_sidecar/client.h"
#include "wire_encoder.h"

namespace kafka_sidecar {

class Client::Impl {
 public:
  explicit Impl(ClientOptions options);
  // Waits up to close_timeout for requests in flight, then fails the rest
  // with CLIENT_CLOSED.
  ~Impl();

  uint64_t NextId() { return next_id_.fetch_add(1); }
  // The request-level fields of this client's produce requests.
  wire::ProduceFlags Flags(AckMode ack) const {
    return {.ack = ack, .fail_fast = options_.fail_fast};
  }

  // Sends the frame `pieces` (request `id`); `handler` runs exactly once,
  // synchronously with the error if the request cannot be sent.
  void Submit(uint64_t id, std::span<const std::string_view> pieces,
              ResponseHandler handler);
  // Sends a frame that gets no answer.
  [[nodiscard]] Status SubmitOneWay(std::span<const std::string_view> pieces);

  // The current connection's limits (connecting if need be); none when
  // there is no connection, as nothing can be sent then.
  RequestLimits Limits();

  [[nodiscard]] Status Flush(std::chrono::milliseconds timeout);
  size_t in_flight() const;

 private:
  using ConnectionPtr = std::shared_ptr<Connection>;

  [[nodiscard]] Result<ConnectionPtr> GetConnection();
  [[nodiscard]] Result<ConnectionPtr> GetConnectionLocked(
      std::vector<ConnectionPtr>* reap);
  [[nodiscard]] Status CheckFrameSize(const Connection& connection,
                                      std::span<const std::string_view> pieces);
  void BeginRequest();
  void EndRequest();

  const ClientOptions options_;
  std::atomic<uint64_t> next_id_{2};  // 1 is each connection's Hello

  std::mutex connection_mu_;
  bool closed_ = false;
  ConnectionPtr connection_;
  std::vector<ConnectionPtr> retired_;

  mutable std::mutex flight_mu_;
  std::condition_variable flight_cv_;
  size_t in_flight_ = 0;
};

// Reads a RecordBatch's encoded form (befriended by RecordBatch).
struct internal::RecordBatchAccess {
  static std::string_view Encoded(const RecordBatch& batch) {
    return batch.encoded_;
  }
  static const std::vector<RecordBatch::TopicRun>& Topics(
      const RecordBatch& batch) {
    return batch.topic_runs_;
  }
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_CLIENT_IMPL_H_
