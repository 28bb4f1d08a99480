// Server's operational side: adopting a socket-activated listener, peer
// credentials and access rules, and the status request.
#include <spdlog/spdlog.h>

#include "kafka_errors.h"
#include "server.h"
#include "version.h"

namespace kafka_sidecar {
namespace {

// Denials are logged, but a client looping over a forbidden topic must not
// flood the journal: the first few, then one in every kLogEvery.
constexpr uint64_t kLogFirst = 20;
constexpr uint64_t kLogEvery = 1000;

}  // namespace

Status Server::Adopt(int fd) {
  Status s = Status::FromUv(uv_pipe_init(loop_, &listener_, 0), "pipe");
  if (!s.ok()) return s;
  listening_ = true;
  s = Status::FromUv(uv_pipe_open(&listener_, fd),
                     "cannot adopt socket fd " + std::to_string(fd));
  if (!s.ok()) return s;
  return Status::FromUv(uv_listen(reinterpret_cast<uv_stream_t*>(&listener_),
                                  1024, &Server::OnConnection),
                        "cannot listen on the socket from systemd");
}

uint64_t Server::InflightRecords() const {
  uint64_t total = 0;
  for (const auto& [id, conn] : connections_) total += conn->inflight_records;
  return total;
}

void Server::SetAccessRules(const AccessRules& rules) {
  access_ = std::make_shared<AccessRules>(rules);
}

bool Server::AdmitPeer(Connection& conn) {
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(conn.pipe()), &fd);
  auto peer = ReadPeerCredentials(fd);
  if (!peer.ok()) {
    // Unknown peers get no access a rule could grant by uid or group.
    spdlog::warn("connection {}: {}", conn.id(), peer.status().message());
  } else {
    conn.peer = std::move(peer.value());
  }
  spdlog::debug("connection {}: {}", conn.id(), conn.peer.Describe());
  if (access_->MayConnect(conn.peer)) return true;
  ++metrics_.connections_denied;
  spdlog::warn(
      "connection {} refused: {} is not in access.connect_users or "
      "access.connect_groups",
      conn.id(), conn.peer.Describe());
  SendError(conn, 0, v1::ERROR_CODE_NOT_ALLOWED,
            "access rules do not allow " + conn.peer.Describe() +
                " to connect (access.connect_users / connect_groups)");
  conn.CloseAfterFlush();
  return false;
}

bool Server::TopicAllowed(Connection& conn, const std::string& topic,
                          PendingRequest& p, uint32_t index) {
  if (access_->allows_everything()) return true;
  const AccessVerdict verdict = access_->MayProduce(conn.peer, topic);
  if (verdict.allowed) return true;
  const uint64_t n = ++metrics_.record_denials[verdict.rule];
  const std::string why =
      verdict.rule == "default"
          ? "no access rule allows it and access.default is \"deny\""
          : "denied by access rule '" + verdict.rule + "'";
  if (n <= kLogFirst || n % kLogEvery == 0) {
    spdlog::warn("connection {}: record to '{}' from {}: {} ({} such denials)",
                 conn.id(), topic, conn.peer.Describe(), why, n);
  }
  FillDaemonError(v1::ERROR_CODE_NOT_ALLOWED,
                  "writing to topic '" + topic + "' is not allowed for " +
                      conn.peer.Describe() + ": " + why,
                  p.SetError(index));
  return false;
}

void Server::HandleStatus(Connection& conn, const v1::Request& req) {
  ++metrics_.requests_status;
  v1::Response response;
  response.set_id(req.id());
  v1::StatusResponse* out = response.mutable_status();
  v1::PingResponse* ping = out->mutable_ping();
  ping->set_daemon_version(kDaemonVersion);
  ping->set_protocol_version(kProtocolVersion);
  const auto& brokers = producer_.brokers();
  ping->set_brokers_up(brokers.up.load());
  ping->set_brokers_total(brokers.total.load());
  ping->set_kafka_reachable(brokers.up.load() > 0);
  ping->set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count());
  ping->set_in_flight_records(counters_.records_in_producer);
  ping->set_connections(static_cast<uint32_t>(connections_.size()));
  out->set_records_delivered(counters_.records_delivered);
  out->set_records_failed(counters_.records_failed);
  out->set_records_accepted(counters_.records_accepted);
  out->set_records_denied(metrics_.RecordsTotal(RecordOutcome::kDenied));
  out->set_connections_denied(metrics_.connections_denied);
  for (const auto& [name, count] : metrics_.delivery_errors) {
    (*out->mutable_delivery_errors())[name] = count;
  }
  out->set_shutting_down(shutting_down_);
  if (status_source_) status_source_(out);
  conn.Send(response);
}

}  // namespace kafka_sidecar
