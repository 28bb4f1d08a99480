#include "server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kafka_errors.h"
#include "version.h"

namespace kafka_sidecar {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr size_t kRequestBlockBytes = 1 << 20;
// A delivery token: pending request id in the high bits, record index in
// the low kIndexBits. Token 0 means "nobody waits for this record".
constexpr int kIndexBits = 20;
constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;

// Replaces a stale socket file; refuses one a live process serves.
Status PrepareSocketPath(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::Error("socket path '" + path + "' is longer than " +
                         std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return Status::Ok();
  if (!S_ISSOCK(st.st_mode)) {
    return Status::Error("'" + path + "' exists and is not a socket");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("socket: ") + strerror(errno));
  const int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const int connect_errno = errno;
  close(fd);
  if (rc == 0) {
    return Status::Error("another process is serving '" + path +
                         "' (is kafka-sidecard already running?)");
  }
  if (connect_errno != ECONNREFUSED) {
    return Status::Error("cannot check existing socket '" + path +
                         "': " + strerror(connect_errno));
  }
  spdlog::info("replacing stale socket file {}", path);
  if (unlink(path.c_str()) != 0) {
    return Status::Error("cannot remove stale socket '" + path +
                         "': " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Status Status::FromUv(int rc, const std::string& what) {
  if (rc == 0) return Ok();
  return Error(what + ": " + uv_strerror(rc));
}

Server::Server(uv_loop_t* loop, const Config& config, Producer& producer)
    : loop_(loop),
      config_(config),
      producer_(producer),
      access_(std::make_shared<AccessRules>(config.access)),
      started_(std::chrono::steady_clock::now()),
      read_buffer_(new char[kReadBufferBytes]),
      request_block_(new char[kRequestBlockBytes]) {
  uv_check_init(loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, &Server::OnCheck);
  uv_timer_init(loop_, &shutdown_timer_);
  shutdown_timer_.data = this;
  listener_.data = this;
}

Server::~Server() = default;

void Server::CloseHandles() {
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&listener_),
                         reinterpret_cast<uv_handle_t*>(&check_),
                         reinterpret_cast<uv_handle_t*>(&shutdown_timer_)}) {
    if (h == reinterpret_cast<uv_handle_t*>(&listener_) && !listening_) {
      continue;
    }
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }
  listening_ = false;
}

Status Server::Listen() {
  if (Status s = PrepareSocketPath(config_.socket_path); !s.ok()) return s;
  Status s = Status::FromUv(uv_pipe_init(loop_, &listener_, 0), "pipe");
  if (!s.ok()) return s;
  listening_ = true;
  s = Status::FromUv(uv_pipe_bind(&listener_, config_.socket_path.c_str()),
                     "cannot bind '" + config_.socket_path + "'");
  if (!s.ok()) return s;
  if (chmod(config_.socket_path.c_str(), config_.socket_mode) != 0) {
    return Status::Error("chmod '" + config_.socket_path +
                         "': " + strerror(errno));
  }
  return Status::FromUv(uv_listen(reinterpret_cast<uv_stream_t*>(&listener_),
                                  1024, &Server::OnConnection),
                        "cannot listen on '" + config_.socket_path + "'");
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status != 0) {
    spdlog::warn("accept failed: {}", uv_strerror(status));
    return;
  }
  const uint64_t id = self->next_connection_id_++;
  auto conn =
      std::make_unique<Connection>(*self, id, self->config_.max_frame_bytes,
                                   self->config_.max_pending_output_bytes);
  Connection& ref = *conn;
  self->connections_.emplace(id, std::move(conn));
  ++self->counters_.connections_accepted;
  if (const int rc = ref.Accept(listener); rc != 0) {
    spdlog::warn("accept failed: {}", uv_strerror(rc));
    ref.Close();
    return;
  }
  self->AdmitPeer(ref);
}

uv_buf_t Server::ReadBuffer() {
  return uv_buf_init(read_buffer_.get(), kReadBufferBytes);
}

Connection* Server::Find(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

std::unique_ptr<Connection> Server::Release(Connection& conn) {
  auto it = connections_.find(conn.id());
  std::unique_ptr<Connection> owned = std::move(it->second);
  connections_.erase(it);
  for (auto s = stalled_.begin(); s != stalled_.end(); ++s) {
    if (s->first == conn.id()) {
      DropUnqueued(s->second);
      stalled_.erase(s);
      break;
    }
  }
  if (finishing_ && connections_.empty()) Done();
  return owned;
}

void Server::MarkDirty(Connection& conn) { dirty_.push_back(conn.id()); }

void Server::OnCheck(uv_check_t* check) {
  static_cast<Server*>(check->data)->FlushDirty();
}

void Server::FlushDirty() {
  if (dirty_.empty()) return;
  std::vector<uint64_t> dirty;
  dirty.swap(dirty_);
  for (const uint64_t id : dirty) {
    if (Connection* conn = Find(id)) {
      conn->Flush();
    }
  }
}

void Server::SendError(Connection& conn, uint64_t id, v1::ErrorCode code,
                       const std::string& message) {
  v1::Response response;
  response.set_id(id);
  FillDaemonError(code, message, response.mutable_error());
  conn.Send(response);
}

void Server::OnOversizeFrame(Connection& conn, uint32_t announced) {
  ++counters_.frames_too_large;
  spdlog::warn(
      "connection {}: frame of {} bytes exceeds max_frame_bytes {}; "
      "closing the connection",
      conn.id(), announced, config_.max_frame_bytes);
  SendError(conn, 0, v1::ERROR_CODE_FRAME_TOO_LARGE,
            "frame of " + std::to_string(announced) +
                " bytes exceeds the limit of " +
                std::to_string(config_.max_frame_bytes) +
                " bytes; the connection is closed");
}

bool Server::OnFrame(Connection& conn, std::string_view payload) {
  counters_.bytes_in += payload.size() + kFrameHeaderBytes;
  const size_t frame_bytes = payload.size() + kFrameHeaderBytes;
  if (DecodeProduceRequest(payload, &produce_) == DecodeResult::kProduce) {
    return HandleProduce(conn, produce_, frame_bytes);
  }
  // Every other request, and produce requests the hand-written reader
  // leaves to protobuf. The request lives only while its frame is handled:
  // parse it onto an arena whose first block is reused.
  google::protobuf::ArenaOptions options;
  options.initial_block = request_block_.get();
  options.initial_block_size = kRequestBlockBytes;
  google::protobuf::Arena arena(options);
  auto& req = *google::protobuf::Arena::CreateMessage<v1::Request>(&arena);
  if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    ++counters_.requests_invalid;
    SendError(conn, 0, v1::ERROR_CODE_INVALID_REQUEST,
              "a frame of " + std::to_string(payload.size()) +
                  " bytes is not a valid Request message");
    return true;
  }
  switch (req.body_case()) {
    case v1::Request::kHello:
      HandleHello(conn, req);
      return true;
    case v1::Request::kPing:
      HandlePing(conn, req);
      return true;
    case v1::Request::kStatus:
      HandleStatus(conn, req);
      return true;
    case v1::Request::kProduce:
      // Stalled requests copy their records before the arena goes.
      ViewProduceRequest(req.id(), req.produce(), &produce_);
      return HandleProduce(conn, produce_, frame_bytes);
    case v1::Request::BODY_NOT_SET:
      break;
  }
  ++counters_.requests_invalid;
  SendError(conn, req.id(), v1::ERROR_CODE_INVALID_REQUEST,
            "request " + std::to_string(req.id()) +
                " has no request kind this daemon knows (protocol version " +
                std::to_string(kProtocolVersion) + ")");
  return true;
}

void Server::HandleHello(Connection& conn, const v1::Request& req) {
  ++counters_.requests_hello;
  const auto& hello = req.hello();
  const uint32_t client_max =
      hello.max_version() == 0 ? 1 : hello.max_version();
  const uint32_t client_min =
      hello.min_version() == 0 ? 1 : hello.min_version();
  if (client_min > kProtocolVersion || client_max < client_min) {
    SendError(conn, req.id(), v1::ERROR_CODE_UNSUPPORTED_VERSION,
              "client needs protocol versions " + std::to_string(client_min) +
                  ".." + std::to_string(client_max) +
                  "; this daemon speaks 1.." +
                  std::to_string(kProtocolVersion));
    return;
  }
  if (!hello.client_name().empty()) {
    spdlog::debug("connection {}: client '{}'", conn.id(), hello.client_name());
  }
  v1::Response response;
  response.set_id(req.id());
  auto* out = response.mutable_hello();
  out->set_version(std::min<uint32_t>(client_max, kProtocolVersion));
  out->set_max_version(kProtocolVersion);
  out->set_daemon_version(kDaemonVersion);
  out->set_max_frame_bytes(config_.max_frame_bytes);
  out->set_max_records_per_request(config_.max_records_per_request);
  conn.Send(response);
}

void Server::HandlePing(Connection& conn, const v1::Request& req) {
  ++counters_.requests_ping;
  v1::Response response;
  response.set_id(req.id());
  auto* out = response.mutable_ping();
  out->set_daemon_version(kDaemonVersion);
  out->set_protocol_version(kProtocolVersion);
  const auto& brokers = producer_.brokers();
  out->set_brokers_up(brokers.up.load());
  out->set_brokers_total(brokers.total.load());
  out->set_kafka_reachable(producer_.KafkaReachable());
  out->set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started_)
                         .count());
  out->set_in_flight_records(counters_.records_in_producer);
  out->set_connections(static_cast<uint32_t>(connections_.size()));
  conn.Send(response);
}

bool Server::HandleProduce(Connection& conn, const ProduceBatch& produce,
                           size_t frame_bytes) {
  ++counters_.requests_produce;
  const uint64_t request_id = produce.id;
  const size_t count = produce.records.size();
  std::string problem;
  if (shutting_down_) {
    SendError(conn, request_id, v1::ERROR_CODE_SHUTTING_DOWN,
              "the daemon is shutting down; nothing of this request was sent");
    return true;
  }
  if (count == 0) {
    problem = "produce request has no records";
  } else if (count > config_.max_records_per_request) {
    problem = "produce request has " + std::to_string(count) +
              " records; the limit is " +
              std::to_string(config_.max_records_per_request);
  } else if (!v1::AckMode_IsValid(produce.ack)) {
    problem = "unknown ack mode " + std::to_string(produce.ack);
  }
  if (!problem.empty()) {
    ++counters_.requests_invalid;
    SendError(conn, request_id, v1::ERROR_CODE_INVALID_REQUEST, problem);
    return true;
  }
  const uint64_t pending_id = next_pending_id_++;
  auto pending = std::make_unique<Pending>(conn.id(), produce);
  Pending& p = *pending;
  p.bytes = frame_bytes;
  conn.inflight_bytes += frame_bytes;
  pending_.emplace(pending_id, std::move(pending));
  if (QueueRecords(conn, pending_id, p)) return true;
  p.OwnRecords();  // the frame goes away; the unqueued records must not
  stalled_.emplace_back(conn.id(), pending_id);
  return false;
}

// Hands records p.next.. to the producer. Returns false if the producer
// queue filled up: the connection then stalls until deliveries free space.
bool Server::QueueRecords(Connection& conn, uint64_t pending_id, Pending& p) {
  const uint32_t n = p.size();
  const bool delivered = p.ack == v1::ACK_MODE_DELIVERED;
  bool topic_valid = false;  // topic_ is a valid name; most batches use one
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (; p.next < n; ++p.next) {
    const ProduceRecord& record = p.record(p.next);
    if (!topic_valid || record.topic != topic_) {
      topic_.assign(record.topic);
      if (std::string why = CheckTopicName(topic_); !why.empty()) {
        topic_valid = false;
        FillKafkaError(RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
                       "invalid topic '" + topic_ + "': " + why,
                       v1::PERSISTENCE_NOT_PERSISTED, p.SetError(p.next));
        ++counters_.records_failed;
        continue;
      }
      topic_valid = true;
    }
    if (!TopicAllowed(conn, topic_, p, p.next)) {
      ++counters_.records_failed;
      continue;
    }
    if (record.has_partition && record.partition < -1) {
      FillDaemonError(v1::ERROR_CODE_INVALID_REQUEST,
                      "partition " + std::to_string(record.partition) +
                          " is invalid (partitions are numbered from 0)",
                      p.SetError(p.next));
      ++counters_.records_failed;
      continue;
    }
    const uint64_t token = delivered ? (pending_id << kIndexBits) | p.next : 0;
    const rd_kafka_resp_err_t err =
        producer_.Produce(record, topic_, p.headers(record), token, now_ms);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++counters_.records_in_producer;
      if (delivered) {
        ++p.remaining;
        ++conn.inflight_records;
      } else {
        p.SetAccepted(p.next);
        ++counters_.records_accepted;
      }
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !p.fail_fast &&
        !shutting_down_) {
      ++counters_.queue_full_stalls;
      conn.Pause(Connection::kStalled);
      return false;
    }
    ++counters_.records_failed;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      FillDaemonError(v1::ERROR_CODE_QUEUE_FULL,
                      "the producer queue is full (fail_fast was requested)",
                      p.SetError(p.next));
    } else {
      FillKafkaError(
          err,
          DescribeRecordError(
              err, topic_,
              record.has_partition ? record.partition : RD_KAFKA_PARTITION_UA),
          v1::PERSISTENCE_NOT_PERSISTED, p.SetError(p.next));
    }
    if (p.ack == v1::ACK_MODE_NONE) {
      spdlog::warn("record to '{}' failed (ack mode NONE): {}", topic_,
                   rd_kafka_err2str(err));
    }
  }
  p.ReleaseRecords();  // librdkafka holds copies now
  if (!delivered || p.remaining == 0) Complete(pending_id);
  UpdateInflightPause(conn);
  return true;
}

// A connection past either in-flight limit is not read (nor are its
// buffered frames handled) until both are back under half.
void Server::UpdateInflightPause(Connection& conn) {
  const auto max_records = config_.max_inflight_records_per_connection;
  const auto max_bytes = config_.max_inflight_bytes_per_connection;
  if (conn.inflight_records >= max_records ||
      conn.inflight_bytes >= max_bytes) {
    conn.Pause(Connection::kInflightFull);
  } else if (conn.inflight_records <= max_records / 2 &&
             conn.inflight_bytes <= max_bytes / 2) {
    conn.Resume(Connection::kInflightFull);
  }
}

void Server::Complete(uint64_t pending_id) {
  auto it = pending_.find(pending_id);
  std::unique_ptr<Pending> p = std::move(it->second);
  pending_.erase(it);
  metrics_.CountProduce(p->ack, p->CountOutcomes(),
                        std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - p->arrived)
                            .count());
  Connection* conn = Find(p->conn_id);
  if (conn != nullptr) conn->inflight_bytes -= p->bytes;
  if (p->ack == v1::ACK_MODE_NONE) {
    if (conn != nullptr) UpdateInflightPause(*conn);
    return;
  }
  if (conn == nullptr) {
    ++counters_.responses_dropped;
    return;
  }
  conn->SendFrame([&p](std::string* out) { p->AppendResponseFrame(out); });
  UpdateInflightPause(*conn);
}

void Server::OnAcks(std::vector<Ack>* acks) {
  // Reports of one request arrive together: resolve the request (and, at
  // the end of its run, its connection) once per run, not once per record.
  uint64_t cached_id = 0;
  Pending* cached = nullptr;
  uint32_t run = 0;  // records of `cached` reported in this run
  for (Ack& ack : *acks) {
    const bool ok = ack.err == RD_KAFKA_RESP_ERR_NO_ERROR;
    ok ? ++counters_.records_delivered : ++counters_.records_failed;
    --counters_.records_in_producer;
    if (!ok) {
      ++metrics_.delivery_errors[rd_kafka_err2name(
          static_cast<rd_kafka_resp_err_t>(ack.err))];
    }
    if (ack.token == 0) {
      if (!ok) ReportUnanswered(ack);
      continue;
    }
    const uint64_t pending_id = ack.token >> kIndexBits;
    if (pending_id != cached_id) {
      if (cached != nullptr) RecordsDone(*cached, run);
      auto it = pending_.find(pending_id);
      cached = it == pending_.end() ? nullptr : it->second.get();
      cached_id = pending_id;
      run = 0;
    }
    if (cached == nullptr) continue;  // answered already (shutdown deadline)
    FillResult(ack, *cached, static_cast<uint32_t>(ack.token & kIndexMask));
    ++run;
    if (--cached->remaining == 0 && cached->all_queued()) {
      RecordsDone(*cached, run);
      Complete(pending_id);
      cached = nullptr;
      cached_id = 0;
    }
  }
  if (cached != nullptr) RecordsDone(*cached, run);
  acks->clear();
  ResumeStalled();
}

void Server::FillResult(const Ack& ack, PendingRequest& p, uint32_t index) {
  if (ack.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    p.SetDelivered(index, ack.partition, ack.offset, ack.timestamp_ms,
                   ack.timestamp_type);
    return;
  }
  FillKafkaError(
      static_cast<rd_kafka_resp_err_t>(ack.err), ack.error_detail,
      ToPersistence(static_cast<rd_kafka_msg_status_t>(ack.persistence)),
      p.SetError(index));
}

// A record accepted with ACK_MODE_ACCEPTED or NONE failed: nobody waits for
// it, so the log and the counters are where it shows.
void Server::ReportUnanswered(const Ack& ack) {
  ++counters_.records_unanswered_failures;
  spdlog::warn("record to '{}' failed after it was accepted: {} ({})",
               ack.topic,
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(ack.err)),
               ack.error_detail);
}

// `n` records of `p` were reported: they no longer count against its
// connection's in-flight limit.
void Server::RecordsDone(const Pending& p, uint32_t n) {
  if (n == 0) return;
  Connection* conn = Find(p.conn_id);
  if (conn == nullptr) return;
  conn->inflight_records -= n;
  UpdateInflightPause(*conn);
}

// The peer of a stalled request left: its unqueued records go nowhere.
void Server::DropUnqueued(uint64_t pending_id) {
  auto it = pending_.find(pending_id);
  if (it == pending_.end()) return;
  Pending& p = *it->second;
  p.next = p.size();
  p.ReleaseRecords();
  if (p.remaining == 0) pending_.erase(it);
}

// Retries stalled connections oldest first, until one stalls again.
void Server::ResumeStalled() {
  while (!stalled_.empty()) {
    const auto [conn_id, pending_id] = stalled_.front();
    stalled_.pop_front();
    Connection* conn = Find(conn_id);
    auto it = pending_.find(pending_id);
    if (conn == nullptr || it == pending_.end()) continue;
    if (!QueueRecords(*conn, pending_id, *it->second)) {
      stalled_.emplace_front(conn_id, pending_id);
      return;
    }
    conn->Resume(Connection::kStalled);
  }
}

}  // namespace kafka_sidecar
