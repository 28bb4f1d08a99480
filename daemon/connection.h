// One client connection: reads frames from its socket, hands each complete
// frame to the FrameHandler, and writes responses back, coalescing all
// responses produced in one loop iteration into a single uv_write.
//
// Loop thread only. A Connection is heap-allocated and owned by the Server's
// table until Close(); then libuv owns it and the close callback deletes it,
// so nothing can use it after its handle is gone.
#ifndef KAFKA_SIDECAR_DAEMON_CONNECTION_H_
#define KAFKA_SIDECAR_DAEMON_CONNECTION_H_

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "frame_codec.h"
#include "peer_credentials.h"
#include "sidecar.pb.h"

namespace kafka_sidecar {

class Connection;

// What a connection needs from its owner.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // One complete frame; returns false when processing must pause (the
  // connection is stalled until Resume()).
  virtual bool OnFrame(Connection& conn, std::string_view payload) = 0;
  virtual void OnOversizeFrame(Connection& conn, uint32_t announced) = 0;
  // The connection wants its output written at the end of this iteration.
  virtual void MarkDirty(Connection& conn) = 0;
  // The peer is gone or Close() was called: forget the connection. After
  // this returns, libuv owns `conn` and frees it when its handle closes.
  virtual std::unique_ptr<Connection> Release(Connection& conn) = 0;
  // A 64 KiB buffer libuv reads into; shared by all connections because
  // every read is consumed before the next one starts.
  virtual uv_buf_t ReadBuffer() = 0;
  // The connection with this id, or nullptr once it is closing.
  virtual Connection* Find(uint64_t id) = 0;
  // `bytes` of responses were handed to the socket.
  virtual void CountWritten(size_t bytes) = 0;
};

class Connection {
 public:
  // Why reading is paused; reading runs only when no reason is set.
  enum PauseReason : uint8_t {
    kStalled = 1,       // the producer queue is full
    kOutputFull = 2,    // the peer does not read its responses
    kInflightFull = 4,  // too many records or bytes of it in flight
    kShuttingDown = 8,  // the daemon reads no new requests
  };

  Connection(ConnectionOwner& owner, uint64_t id, uint32_t max_frame_bytes,
             uint32_t max_pending_output_bytes);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Accepts a pending connection from `server` and starts reading.
  int Accept(uv_stream_t* server);

  uint64_t id() const { return id_; }
  uv_pipe_t* pipe() { return &pipe_; }

  // Serializes `response` into the output buffer (written at Flush()).
  void Send(const v1::Response& response);
  // Appends one whole frame that `write(std::string*)` appends.
  template <typename Write>
  void SendFrame(Write&& write) {
    write(&out_);
    Appended();
  }
  // Starts a write of everything buffered, unless one is in flight.
  void Flush();

  void Pause(PauseReason reason);
  void Resume(PauseReason reason);
  // Continues with buffered frames (after a stall ended).
  void ProcessFrames();

  // Stop reading, write what is buffered, then close.
  void CloseAfterFlush();
  // Closes now; pending writes are cancelled.
  void Close();

  // Records of this connection handed to Kafka and not yet answered.
  uint32_t inflight_records = 0;
  // Frame bytes of this connection's requests not yet answered.
  uint64_t inflight_bytes = 0;
  // Who connected (SO_PEERCRED), read once on accept.
  PeerCredentials peer;
  // Peer half-closed its side: close once everything is answered.
  bool peer_done() const { return peer_done_; }
  size_t pending_output() const { return out_.size() + writing_bytes_; }
  bool closing() const { return closing_; }

 private:
  struct WriteReq;
  static void OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* h);
  void UpdateReading();
  void MaybeFinish();
  void Appended();

  ConnectionOwner& owner_;
  const uint64_t id_;
  const uint32_t max_pending_output_bytes_;
  uv_pipe_t pipe_;
  FrameDecoder decoder_;
  std::string out_;
  size_t writing_bytes_ = 0;
  uint8_t paused_ = 0;
  bool reading_ = false;
  bool peer_done_ = false;
  bool close_after_flush_ = false;
  bool closing_ = false;
  bool in_frames_ = false;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_CONNECTION_H_
