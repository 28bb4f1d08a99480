#include "connection.h"

#include <google/protobuf/arena.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "convert.h"
#include "local_errors.h"

namespace kafka_sidecar {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kProtocolVersion = 1;
// The daemon's default limit, assumed until its HelloResponse says better.
constexpr uint32_t kDefaultMaxFrameBytes = 4 << 20;
constexpr uint32_t kDefaultMaxRecordsPerRequest = 100000;
// Answers are small (a few bytes per record); anything this big is garbage.
constexpr uint32_t kMaxResponseBytes = 64 << 20;
constexpr size_t kReadBytes = 256 << 10;
// Room for the answer to a batch of a few thousand records.
constexpr size_t kAnswerBlockBytes = 1 << 20;
// How often the reader looks for requests past their deadline.
constexpr std::chrono::milliseconds kExpiryScanInterval{100};
constexpr uint64_t kHelloId = 1;

std::string HelloFrame(const std::string& client_name) {
  v1::Request request;
  request.set_id(kHelloId);
  v1::Hello* hello = request.mutable_hello();
  hello->set_max_version(kProtocolVersion);
  hello->set_min_version(kProtocolVersion);
  hello->set_client_name(client_name);
  std::string frame;
  AppendFrame(request.SerializeAsString(), &frame);
  return frame;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(
    ConnectionOptions options) {
  int errno_value = 0;
  std::optional<UnixSocket> socket = UnixSocket::Connect(
      options.socket_path, options.connect_timeout, &errno_value);
  if (!socket) return DaemonUnreachable(options.socket_path, errno_value);
  std::unique_ptr<Connection> connection(
      new Connection(std::move(options), std::move(*socket)));
  if (Status status = connection->Handshake(); !status.ok()) {
    return status.error();
  }
  connection->socket_.SetSendTimeout(connection->options_.request_timeout);
  connection->reader_ = std::thread([c = connection.get()] { c->ReadLoop(); });
  return connection;
}

Connection::Connection(ConnectionOptions options, UnixSocket socket)
    : options_(std::move(options)),
      socket_(std::move(socket)),
      max_frame_bytes_(kDefaultMaxFrameBytes),
      max_records_per_request_(kDefaultMaxRecordsPerRequest),
      decoder_(kMaxResponseBytes),
      answer_block_(new char[kAnswerBlockBytes]) {}

Connection::~Connection() {
  closing_ = true;
  socket_.Shutdown();
  if (!reader_.joinable()) return;
  // Cannot happen through Client (it never drops a connection from that
  // connection's own callbacks); detaching beats std::terminate if it does.
  if (OnReaderThread()) {
    reader_.detach();
  } else {
    reader_.join();
  }
}

bool Connection::OnReaderThread() const {
  return reader_.get_id() == std::this_thread::get_id();
}

// Sends Hello and waits for its answer, all within connect_timeout: a
// socket that accepts but never speaks the protocol must not hang us.
Status Connection::Handshake() {
  const std::string& path = options_.socket_path;
  const auto deadline = Clock::now() + options_.connect_timeout;
  const std::string frame = HelloFrame(options_.client_name);
  const std::string_view pieces[] = {frame};
  if (socket_.Send(pieces).errno_value != 0) {
    return HandshakeFailed(path, "cannot send Hello");
  }
  std::vector<char> buffer(4096);
  std::string_view payload;
  while (decoder_.Next(&payload) != FrameDecoder::Result::kFrame) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    int errno_value = 0;
    const long n = socket_.Receive(buffer.data(), buffer.size(),
                                   std::max(left, {}), &errno_value);
    if (n == 0) return HandshakeFailed(path, "daemon closed the connection");
    if (n < 0) {
      return HandshakeFailed(path, errno_value == 0
                                       ? "no answer to Hello"
                                       : std::strerror(errno_value));
    }
    decoder_.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  if (!response_.ParseFromArray(payload.data(),
                                static_cast<int>(payload.size()))) {
    return HandshakeFailed(path, "the answer to Hello is not a Response");
  }
  if (response_.has_hello()) {
    if (response_.hello().max_frame_bytes() > 0) {
      max_frame_bytes_ = response_.hello().max_frame_bytes();
    }
    // 0: a daemon that predates the field, still at its default.
    if (response_.hello().max_records_per_request() > 0) {
      max_records_per_request_ = response_.hello().max_records_per_request();
    }
    return {};
  }
  if (response_.has_error()) {
    Error error = FromProto(response_.error());
    // A daemon that predates Hello serves us as version 1 anyway.
    if (error.code != error_code::kUnsupportedVersion) return {};
    return error;
  }
  return HandshakeFailed(path, "unexpected answer to Hello");
}

Status Connection::Send(uint64_t id, std::span<const std::string_view> pieces,
                        ResponseHandler& handler) {
  std::optional<Clock::time_point> deadline;
  if (options_.request_timeout) {
    deadline = Clock::now() + *options_.request_timeout;
  }
  if (!pending_.Add(id, handler, deadline)) {
    return NotSent(options_.socket_path, "connection closed");
  }
  if (Status status = Write(pieces); !status.ok()) {
    // A partial frame is never processed, so the daemon saw nothing.
    if (auto taken = pending_.Take(id)) handler = std::move(*taken);
    return status;
  }
  if (auto orphan = pending_.MarkWritten(id)) {
    (*orphan)(ConnectionLost(options_.socket_path, "closed while sending"));
  }
  return {};
}

Status Connection::SendOneWay(std::span<const std::string_view> pieces) {
  return Write(pieces);
}

Status Connection::Write(std::span<const std::string_view> pieces) {
  std::lock_guard lock(write_mu_);
  if (!alive()) return NotSent(options_.socket_path, "connection closed");
  const UnixSocket::SendResult sent = socket_.Send(pieces);
  if (sent.errno_value == 0) return {};
  const bool timed_out =
      sent.errno_value == EAGAIN || sent.errno_value == EWOULDBLOCK;
  if (timed_out && sent.written == 0) return SendTimedOut(options_.socket_path);
  // Half a frame is on the wire: the stream cannot be resynchronised.
  Die();
  return NotSent(options_.socket_path, timed_out
                                           ? "timed out midway through a frame"
                                           : std::strerror(sent.errno_value));
}

void Connection::Die() {
  alive_.store(false, std::memory_order_release);
  socket_.Shutdown();
}

void Connection::ReadLoop() {
  std::vector<char> buffer(kReadBytes);
  std::string why_dead = "daemon closed the connection";
  auto next_scan = Clock::now() + kExpiryScanInterval;
  std::optional<std::chrono::milliseconds> wait;
  if (options_.request_timeout) wait = kExpiryScanInterval;
  while (true) {
    int errno_value = 0;
    const long n =
        socket_.Receive(buffer.data(), buffer.size(), wait, &errno_value);
    if (n == 0) break;
    if (n < 0 && errno_value != 0) {
      why_dead = std::strerror(errno_value);
      break;
    }
    if (n > 0) {
      decoder_.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
      if (!DrainFrames(&why_dead)) break;
    }
    if (wait && Clock::now() >= next_scan) {
      for (auto& handler : pending_.TakeExpired(Clock::now())) {
        handler(RequestTimedOut(options_.socket_path));
      }
      next_scan = Clock::now() + kExpiryScanInterval;
    }
  }
  FailPending(why_dead);
}

bool Connection::DrainFrames(std::string* why_dead) {
  std::string_view payload;
  uint32_t announced = 0;
  while (true) {
    switch (decoder_.Next(&payload, &announced)) {
      case FrameDecoder::Result::kFrame:
        if (!HandleFrame(payload, why_dead)) return false;
        break;
      case FrameDecoder::Result::kNeedMore:
        return true;
      case FrameDecoder::Result::kTooLarge:
        *why_dead = "daemon sent a frame of " + std::to_string(announced) +
                    " bytes, larger than any answer";
        return false;
    }
  }
}

bool Connection::HandleFrame(std::string_view payload, std::string* why_dead) {
  google::protobuf::ArenaOptions options;
  options.initial_block = answer_block_.get();
  options.initial_block_size = kAnswerBlockBytes;
  google::protobuf::Arena arena(options);
  auto& response =
      *google::protobuf::Arena::CreateMessage<v1::Response>(&arena);
  if (!response.ParseFromArray(payload.data(),
                               static_cast<int>(payload.size()))) {
    *why_dead = "daemon sent a frame that is not a Response";
    return false;
  }
  if (response.id() == 0) {
    // About the connection, not one request; it usually precedes a close.
    if (response.has_error()) {
      last_daemon_error_ = FromProto(response.error()).ToString();
    }
    return true;
  }
  if (auto handler = pending_.Take(response.id())) {
    (*handler)(static_cast<const v1::Response*>(&response));
  }
  return true;
}

void Connection::FailPending(const std::string& why_dead) {
  Die();
  std::string why = why_dead;
  if (!last_daemon_error_.empty()) {
    why += "; daemon reported " + last_daemon_error_;
  }
  const Error error =
      closing_ ? ClientClosed() : ConnectionLost(options_.socket_path, why);
  for (auto& handler : pending_.Close()) handler(error);
  reader_done_ = true;
}

}  // namespace kafka_sidecar
