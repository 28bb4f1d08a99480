// The socket server: accepts connections, turns frames into requests,
// routes delivery reports back to the connection and request they belong to,
// and runs the graceful shutdown.
//
// Loop thread only. Connections are referred to by id everywhere but in the
// table, so a report for a connection that is gone is counted and dropped,
// never dereferenced.
#ifndef KAFKA_SIDECAR_DAEMON_SERVER_H_
#define KAFKA_SIDECAR_DAEMON_SERVER_H_

#include <uv.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "access_rules.h"
#include "ack_queue.h"
#include "config.h"
#include "connection.h"
#include "counters.h"
#include "metrics.h"
#include "pending_request.h"
#include "produce_decoder.h"
#include "producer.h"
#include "status.h"

namespace kafka_sidecar {

class Server : public ConnectionOwner {
 public:
  Server(uv_loop_t* loop, const Config& config, Producer& producer);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on config.socket_path. A stale socket file is
  // replaced; a socket another live process serves is an error.
  Status Listen();

  // Serves a listening socket handed over by systemd (server_ops.cc).
  Status Adopt(int fd);

  // Replaces the access rules (SIGHUP); open connections keep going and
  // their next records are checked against the new rules.
  void SetAccessRules(const AccessRules& rules);
  // Fills the parts of a status answer the server does not own.
  using StatusSource = std::function<void(v1::StatusResponse*)>;
  void SetStatusSource(StatusSource source) { status_source_ = source; }

  // Delivery reports taken from the AckQueue.
  void OnAcks(std::vector<Ack>* acks);

  // Stops accepting and reading, waits (bounded) for Kafka, answers
  // everything outstanding, closes every connection, then calls `done`.
  void BeginShutdown(std::function<void()> done);

  // Closes the server's own handles (listener, timers). Idempotent.
  void CloseHandles();

  const Counters& counters() const { return counters_; }
  size_t connection_count() const { return connections_.size(); }
  const OpsMetrics& metrics() const { return metrics_; }
  OpsMetrics& mutable_metrics() { return metrics_; }
  size_t pending_count() const { return pending_.size(); }
  // DELIVERED records handed to Kafka that clients still wait for.
  uint64_t InflightRecords() const;
  bool shutting_down() const { return shutting_down_; }

  // ConnectionOwner:
  bool OnFrame(Connection& conn, std::string_view payload) override;
  void OnOversizeFrame(Connection& conn, uint32_t announced) override;
  void MarkDirty(Connection& conn) override;
  std::unique_ptr<Connection> Release(Connection& conn) override;
  uv_buf_t ReadBuffer() override;
  Connection* Find(uint64_t id) override;
  void CountWritten(size_t bytes) override { counters_.bytes_out += bytes; }

 private:
  using Pending = PendingRequest;
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnCheck(uv_check_t* check);
  void HandleHello(Connection& conn, const v1::Request& req);
  void HandlePing(Connection& conn, const v1::Request& req);
  void HandleStatus(Connection& conn, const v1::Request& req);
  // Reads the peer's credentials; closes the connection if it may not
  // connect. Returns whether it may.
  bool AdmitPeer(Connection& conn);
  // Whether the peer may write `topic`; if not, fills `result`.
  bool TopicAllowed(Connection& conn, const std::string& topic,
                    PendingRequest& p, uint32_t index);
  bool HandleProduce(Connection& conn, const ProduceBatch& produce,
                     size_t frame_bytes);
  void UpdateInflightPause(Connection& conn);
  bool QueueRecords(Connection& conn, uint64_t pending_id, Pending& p);
  void FillResult(const Ack& ack, PendingRequest& p, uint32_t index);
  void ReportUnanswered(const Ack& ack);
  void RecordsDone(const Pending& p, uint32_t n);
  void Complete(uint64_t pending_id);
  void ResumeStalled();
  void DropUnqueued(uint64_t pending_id);
  void SendError(Connection& conn, uint64_t id, v1::ErrorCode code,
                 const std::string& message);
  void FlushDirty();
  void FailStalled();
  void OnShutdownTick();
  void FinishShutdown();
  void ForceClose();
  void Done();

  uv_loop_t* loop_;
  const Config& config_;
  Producer& producer_;
  Counters counters_;
  OpsMetrics metrics_;
  std::shared_ptr<const AccessRules> access_;
  StatusSource status_source_;
  const std::chrono::steady_clock::time_point started_;
  uv_pipe_t listener_;
  bool listening_ = false;
  uv_check_t check_;
  uv_timer_t shutdown_timer_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<uint64_t, std::unique_ptr<Pending>> pending_;
  // (connection id, pending id) stalled on a full queue, oldest first.
  std::deque<std::pair<uint64_t, uint64_t>> stalled_;
  std::vector<uint64_t> dirty_;  // connection ids with output to write
  uint64_t next_connection_id_ = 1;
  uint64_t next_pending_id_ = 1;
  std::unique_ptr<char[]> read_buffer_;
  std::unique_ptr<char[]> request_block_;  // first arena block per frame
  ProduceBatch produce_;                   // the frame being handled; reused
  std::string topic_;                      // the topic being queued; reused
  // Shutdown state.
  bool shutting_down_ = false;
  bool purged_ = false;
  bool finishing_ = false;
  std::chrono::steady_clock::time_point shutdown_started_;
  std::function<void()> shutdown_done_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_SERVER_H_
