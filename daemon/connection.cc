#include "connection.h"

#include <spdlog/spdlog.h>

namespace kafka_sidecar {

// A write owns its bytes. Its callback may run after the connection closed
// (UV_ECANCELED), so it reaches the connection only through the owner's
// table, by id.
struct Connection::WriteReq {
  uv_write_t req;
  ConnectionOwner* owner;
  uint64_t conn_id;
  std::string bytes;
};

Connection::Connection(ConnectionOwner& owner, uint64_t id,
                       uint32_t max_frame_bytes,
                       uint32_t max_pending_output_bytes)
    : owner_(owner),
      id_(id),
      max_pending_output_bytes_(max_pending_output_bytes),
      decoder_(max_frame_bytes) {
  pipe_.data = this;
}

int Connection::Accept(uv_stream_t* server) {
  int rc = uv_pipe_init(server->loop, &pipe_, 0);
  if (rc != 0) return rc;
  rc = uv_accept(server, reinterpret_cast<uv_stream_t*>(&pipe_));
  if (rc != 0) return rc;
  UpdateReading();
  return 0;
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  *buf = static_cast<Connection*>(h->data)->owner_.ReadBuffer();
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(s->data);
  if (nread == UV_EOF) {
    self->peer_done_ = true;
    self->UpdateReading();
    self->MaybeFinish();
    return;
  }
  if (nread < 0) {
    spdlog::debug("connection {}: read failed: {}", self->id_,
                  uv_strerror(static_cast<int>(nread)));
    self->Close();
    return;
  }
  if (nread == 0) return;
  self->decoder_.Feed(std::string_view(buf->base, static_cast<size_t>(nread)));
  self->ProcessFrames();
}

void Connection::ProcessFrames() {
  if (in_frames_ || closing_) return;  // re-entered from a completion
  in_frames_ = true;
  std::string_view payload;
  uint32_t announced = 0;
  // Frames already buffered wait too while a limit holds the connection.
  while (!(paused_ & (kStalled | kInflightFull)) && !close_after_flush_) {
    const auto result = decoder_.Next(&payload, &announced);
    if (result == FrameDecoder::Result::kNeedMore) break;
    if (result == FrameDecoder::Result::kTooLarge) {
      owner_.OnOversizeFrame(*this, announced);
      CloseAfterFlush();
      break;
    }
    if (!owner_.OnFrame(*this, payload)) break;
  }
  in_frames_ = false;
  UpdateReading();
  MaybeFinish();
}

void Connection::Send(const v1::Response& response) {
  const size_t size = response.ByteSizeLong();
  const size_t at = out_.size();
  AppendFrameHeader(static_cast<uint32_t>(size), &out_);
  out_.resize(at + kFrameHeaderBytes + size);
  response.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(out_.data() + at + kFrameHeaderBytes));
  Appended();
}

void Connection::Appended() {
  owner_.MarkDirty(*this);
  if (pending_output() > max_pending_output_bytes_) Pause(kOutputFull);
}

void Connection::Flush() {
  if (closing_ || writing_bytes_ > 0 || out_.empty()) return;
  auto* req = new WriteReq{{}, &owner_, id_, std::move(out_)};
  out_.clear();
  writing_bytes_ = req->bytes.size();
  uv_buf_t buf =
      uv_buf_init(req->bytes.data(), static_cast<unsigned>(req->bytes.size()));
  const int rc = uv_write(&req->req, reinterpret_cast<uv_stream_t*>(&pipe_),
                          &buf, 1, &Connection::OnWrite);
  if (rc == 0) {
    owner_.CountWritten(writing_bytes_);
  } else {
    delete req;
    writing_bytes_ = 0;
    spdlog::debug("connection {}: write failed: {}", id_, uv_strerror(rc));
    Close();
  }
}

void Connection::OnWrite(uv_write_t* raw, int status) {
  std::unique_ptr<WriteReq> req(reinterpret_cast<WriteReq*>(raw));
  Connection* self = req->owner->Find(req->conn_id);
  if (self == nullptr) return;  // closed meanwhile: nothing to touch
  self->writing_bytes_ = 0;
  if (status != 0) {
    spdlog::debug("connection {}: write failed: {}", self->id_,
                  uv_strerror(status));
    self->Close();
    return;
  }
  if (self->pending_output() <= self->max_pending_output_bytes_ / 2) {
    self->Resume(kOutputFull);
  }
  self->Flush();
  self->MaybeFinish();
}

void Connection::Pause(PauseReason reason) {
  paused_ |= reason;
  UpdateReading();
}

void Connection::Resume(PauseReason reason) {
  if (!(paused_ & reason)) return;
  paused_ &= ~reason;
  if (reason == kStalled || reason == kInflightFull) ProcessFrames();
  UpdateReading();
}

void Connection::UpdateReading() {
  const bool want =
      paused_ == 0 && !peer_done_ && !close_after_flush_ && !closing_;
  if (want == reading_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&pipe_);
  if (want) {
    reading_ =
        uv_read_start(stream, &Connection::OnAlloc, &Connection::OnRead) == 0;
  } else {
    uv_read_stop(stream);
    reading_ = false;
  }
}

void Connection::CloseAfterFlush() {
  close_after_flush_ = true;
  UpdateReading();
  owner_.MarkDirty(*this);
  MaybeFinish();
}

// Closes once every request read is answered and the answers are written:
// after the peer's EOF, and also when the daemon gave up on the stream (an
// oversize frame), so the requests before it still get their answers.
void Connection::MaybeFinish() {
  if (closing_ || pending_output() > 0) return;
  const bool answered = inflight_records == 0 && !(paused_ & kStalled);
  if ((close_after_flush_ || peer_done_) && answered) {
    if (decoder_.buffered() > 0 && !close_after_flush_) {
      spdlog::warn(
          "connection {}: peer closed inside a frame ({} bytes "
          "of a truncated frame dropped)",
          id_, decoder_.buffered());
    }
    Close();
  }
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  std::unique_ptr<Connection> self = owner_.Release(*this);
  self.release();  // libuv owns us now; OnClose deletes
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), &Connection::OnClose);
}

void Connection::OnClose(uv_handle_t* h) {
  delete static_cast<Connection*>(h->data);
}

}  // namespace kafka_sidecar
