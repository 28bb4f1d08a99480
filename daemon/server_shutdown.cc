// Server's graceful shutdown: stop accepting -> stop reading -> wait for
// Kafka (bounded) -> purge what is left -> answer everything -> close.
#include <spdlog/spdlog.h>

#include "kafka_errors.h"
#include "server.h"

namespace kafka_sidecar {
namespace {

constexpr uint64_t kShutdownTickMs = 20;
// After the purge at the deadline, how long purge reports may take.
constexpr auto kPurgeGrace = std::chrono::seconds(3);
// Once everything is answered, how long peers get to read their answers
// before their connections are closed regardless: a peer that never reads
// must not hold the daemon up.
constexpr uint64_t kCloseGraceMs = 1000;

}  // namespace

void Server::BeginShutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  shutdown_started_ = std::chrono::steady_clock::now();
  spdlog::info(
      "shutting down: {} connections, {} requests and {} records "
      "outstanding",
      connections_.size(), pending_.size(), producer_.OutQueueLength());
  if (listening_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    listening_ = false;
  }
  std::vector<Connection*> conns;
  for (auto& [id, conn] : connections_) conns.push_back(conn.get());
  for (Connection* conn : conns) conn->Pause(Connection::kShuttingDown);
  FailStalled();
  uv_timer_start(
      &shutdown_timer_,
      [](uv_timer_t* t) { static_cast<Server*>(t->data)->OnShutdownTick(); }, 0,
      kShutdownTickMs);
}

// Records that never reached the producer cannot be sent any more.
void Server::FailStalled() {
  auto stalled = std::move(stalled_);
  stalled_.clear();
  for (const auto& [conn_id, pending_id] : stalled) {
    auto it = pending_.find(pending_id);
    if (it == pending_.end()) continue;
    Pending& p = *it->second;
    for (; p.next < p.size(); ++p.next) {
      FillDaemonError(v1::ERROR_CODE_SHUTTING_DOWN,
                      "the daemon shut down before this record was queued",
                      p.SetError(p.next));
      ++counters_.records_failed;
    }
    p.ReleaseRecords();
    if (p.remaining == 0) Complete(pending_id);
    // Frames buffered behind the stalled request are answered now too.
    if (Connection* conn = Find(conn_id)) conn->Resume(Connection::kStalled);
  }
}

void Server::OnShutdownTick() {
  const auto elapsed = std::chrono::steady_clock::now() - shutdown_started_;
  const auto deadline = std::chrono::milliseconds(config_.shutdown_timeout_ms);
  const bool drained = pending_.empty() && producer_.OutQueueLength() == 0;
  if (!drained && elapsed < deadline) return;
  if (!drained && !purged_) {
    spdlog::warn(
        "shutdown: {} records still undelivered after {} ms; "
        "failing them",
        producer_.OutQueueLength(), config_.shutdown_timeout_ms);
    producer_.PurgeAll();
    purged_ = true;
    return;
  }
  if (!drained && elapsed < deadline + kPurgeGrace) return;
  FinishShutdown();
}

// Answers whatever is still open and closes every connection once its
// output is written.
void Server::FinishShutdown() {
  finishing_ = true;
  uv_timer_stop(&shutdown_timer_);
  std::vector<uint64_t> open;
  for (auto& [id, p] : pending_) open.push_back(id);
  for (const uint64_t id : open) {
    Pending& p = *pending_[id];
    for (uint32_t i = 0; i < p.size(); ++i) {
      if (p.has_outcome(i)) continue;
      FillKafkaError(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
                     "the daemon shut down before Kafka answered",
                     v1::PERSISTENCE_POSSIBLY_PERSISTED, p.SetError(i));
      ++counters_.records_failed;
    }
    Complete(id);
  }
  spdlog::info("shutdown: all requests answered; closing {} connections",
               connections_.size());
  std::vector<Connection*> conns;
  for (auto& [id, conn] : connections_) conns.push_back(conn.get());
  for (Connection* conn : conns) {
    conn->inflight_records = 0;  // every request of it was answered above
    // The last frame tells the client that a request without an answer was
    // never read (safe to send again), unlike a bare EOF after a crash.
    SendError(*conn, 0, v1::ERROR_CODE_SHUTTING_DOWN,
              "the daemon is shutting down: every request it read has been "
              "answered; requests without an answer were not read and not "
              "sent to Kafka");
    conn->CloseAfterFlush();
  }
  FlushDirty();
  if (connections_.empty()) {
    Done();
    return;
  }
  uv_timer_start(
      &shutdown_timer_,
      [](uv_timer_t* t) { static_cast<Server*>(t->data)->ForceClose(); },
      kCloseGraceMs, 0);
}

// Peers that did not read their answers within the grace lose them.
void Server::ForceClose() {
  std::vector<Connection*> conns;
  for (auto& [id, conn] : connections_) conns.push_back(conn.get());
  for (Connection* conn : conns) {
    spdlog::warn(
        "shutdown: connection {} did not read its last {} bytes of "
        "responses within {} ms; closing it",
        conn->id(), conn->pending_output(), kCloseGraceMs);
    conn->Close();
  }
}

void Server::Done() {
  if (!shutdown_done_) return;
  CloseHandles();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace kafka_sidecar
