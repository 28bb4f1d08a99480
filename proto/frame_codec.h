// Frame codec shared by the daemon and the clients.
//
// Byte layout of one frame (see sidecar.proto):
//   [0..4)   payload length N, uint32 big endian
//   [4..4+N) payload: one serialized protobuf message
//
// Pure functions and a small incremental decoder: no sockets, no allocation
// beyond the payload itself, and the length is checked against the limit
// before any allocation for it happens.
#ifndef KAFKA_SIDECAR_PROTO_FRAME_CODEC_H_
#define KAFKA_SIDECAR_PROTO_FRAME_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kafka_sidecar {

inline constexpr size_t kFrameHeaderBytes = 4;

// Appends the 4-byte header for a payload of `payload_size` bytes.
void AppendFrameHeader(uint32_t payload_size, std::string* out);

// Appends a whole frame: header then payload.
void AppendFrame(std::string_view payload, std::string* out);

// Reads the big-endian length from the first 4 bytes of `header`.
uint32_t DecodeFrameLength(const char* header);

// Incremental decoder. Feed() bytes as they arrive, then call Next() until
// it stops returning kFrame. Single-threaded; one per stream.
class FrameDecoder {
 public:
  enum class Result { kFrame, kNeedMore, kTooLarge };

  explicit FrameDecoder(uint32_t max_payload_bytes)
      : max_payload_bytes_(max_payload_bytes) {}

  // Buffers `bytes`.
  void Feed(std::string_view bytes);

  // kFrame: `*payload` views the next frame's payload, valid until the next
  // Feed() or Next(). kNeedMore: nothing complete yet. kTooLarge: the next
  // frame announces `*announced` bytes, above the limit; the stream cannot
  // be resynchronised and the decoder stays in this state.
  Result Next(std::string_view* payload, uint32_t* announced = nullptr);

  // Bytes buffered but not yet returned as frames.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  void Compact();

  const uint32_t max_payload_bytes_;
  std::string buffer_;
  size_t consumed_ = 0;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_PROTO_FRAME_CODEC_H_
