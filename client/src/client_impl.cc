#include "client_impl.h"

#include <cstdint>
#include <utility>

#include "frame_codec.h"
#include "local_errors.h"

namespace kafka_sidecar {

Client::Impl::Impl(ClientOptions options) : options_(std::move(options)) {}

Client::Impl::~Impl() {
  (void)Flush(options_.close_timeout);
  std::vector<ConnectionPtr> connections;
  {
    std::lock_guard lock(connection_mu_);
    closed_ = true;
    connections = std::move(retired_);
    if (connection_) connections.push_back(std::move(connection_));
  }
  connections.clear();  // joins the readers; leftovers get CLIENT_CLOSED
}

void Client::Impl::Submit(uint64_t id, std::span<const std::string_view> pieces,
                          ResponseHandler handler) {
  BeginRequest();
  ResponseHandler counted = [this, handler = std::move(handler)](
                                Result<const v1::Response*> response) {
    handler(std::move(response));
    EndRequest();
  };
  Status status;
  // A second attempt only when the first connection died under us: the
  // daemon saw nothing, so resending cannot duplicate.
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<ConnectionPtr> connection = GetConnection();
    if (!connection.ok()) {
      status = connection.error();
      break;
    }
    status = CheckFrameSize(**connection, pieces);
    if (!status.ok()) break;
    status = (*connection)->Send(id, pieces, counted);
    if (status.ok() || (*connection)->alive()) break;
  }
  if (!status.ok()) counted(status.error());
}

Status Client::Impl::SubmitOneWay(std::span<const std::string_view> pieces) {
  Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<ConnectionPtr> connection = GetConnection();
    if (!connection.ok()) return connection.error();
    status = CheckFrameSize(**connection, pieces);
    if (!status.ok()) return status;
    status = (*connection)->SendOneWay(pieces);
    if (status.ok() || (*connection)->alive()) break;
  }
  return status;
}

RequestLimits Client::Impl::Limits() {
  Result<ConnectionPtr> connection = GetConnection();
  if (!connection.ok()) return kNoRequestLimits;
  return {.max_records = (*connection)->max_records_per_request(),
          .max_frame_bytes = (*connection)->max_frame_bytes()};
}

Status Client::Impl::CheckFrameSize(const Connection& connection,
                                    std::span<const std::string_view> pieces) {
  size_t bytes = 0;
  for (std::string_view piece : pieces) bytes += piece.size();
  const size_t payload = bytes - kFrameHeaderBytes;
  if (payload <= connection.max_frame_bytes()) return {};
  return FrameTooLarge(payload, connection.max_frame_bytes());
}

Result<Client::Impl::ConnectionPtr> Client::Impl::GetConnection() {
  std::vector<ConnectionPtr> reap;
  Result<ConnectionPtr> connection = [&] {
    std::lock_guard lock(connection_mu_);
    return GetConnectionLocked(&reap);
  }();
  reap.clear();  // joins finished readers, outside the lock
  return connection;
}

Result<Client::Impl::ConnectionPtr> Client::Impl::GetConnectionLocked(
    std::vector<ConnectionPtr>* reap) {
  if (closed_) return ClientClosed();
  if (connection_ && connection_->alive()) return connection_;
  if (connection_) retired_.push_back(std::move(connection_));
  std::erase_if(retired_, [reap](ConnectionPtr& retired) {
    if (!retired->reader_done() || retired->OnReaderThread()) return false;
    reap->push_back(std::move(retired));
    return true;
  });
  Result<std::unique_ptr<Connection>> opened = Connection::Open(
      ConnectionOptions{.socket_path = options_.socket_path,
                        .connect_timeout = options_.connect_timeout,
                        .request_timeout = options_.request_timeout,
                        .client_name = options_.client_name});
  if (!opened.ok()) return opened.error();
  connection_ = std::move(opened).value();
  return connection_;
}

void Client::Impl::BeginRequest() {
  std::lock_guard lock(flight_mu_);
  ++in_flight_;
}

void Client::Impl::EndRequest() {
  std::lock_guard lock(flight_mu_);
  if (--in_flight_ == 0) flight_cv_.notify_all();
}

Status Client::Impl::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(flight_mu_);
  if (flight_cv_.wait_for(lock, timeout, [this] { return in_flight_ == 0; })) {
    return {};
  }
  return Error{.code = std::string(error_code::kTimeout),
               .name = std::string(error_code::kTimeout),
               .message = std::to_string(in_flight_) +
                          " requests still in flight after flush timeout",
               .retriable = true,
               .persistence = Persistence::kPossiblyPersisted};
}

size_t Client::Impl::in_flight() const {
  std::lock_guard lock(flight_mu_);
  return in_flight_;
}

}  // namespace kafka_sidecar
