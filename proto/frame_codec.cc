#include "frame_codec.h"

namespace kafka_sidecar {

void AppendFrameHeader(uint32_t payload_size, std::string* out) {
  const char header[kFrameHeaderBytes] = {
      static_cast<char>(payload_size >> 24),
      static_cast<char>(payload_size >> 16),
      static_cast<char>(payload_size >> 8),
      static_cast<char>(payload_size),
  };
  out->append(header, kFrameHeaderBytes);
}

void AppendFrame(std::string_view payload, std::string* out) {
  AppendFrameHeader(static_cast<uint32_t>(payload.size()), out);
  out->append(payload);
}

uint32_t DecodeFrameLength(const char* header) {
  const auto* b = reinterpret_cast<const unsigned char*>(header);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
         (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

void FrameDecoder::Feed(std::string_view bytes) {
  Compact();
  buffer_.append(bytes);
}

FrameDecoder::Result FrameDecoder::Next(std::string_view* payload,
                                        uint32_t* announced) {
  const size_t available = buffer_.size() - consumed_;
  if (available < kFrameHeaderBytes) return Result::kNeedMore;
  const uint32_t length = DecodeFrameLength(buffer_.data() + consumed_);
  if (length > max_payload_bytes_) {
    if (announced != nullptr) *announced = length;
    return Result::kTooLarge;
  }
  if (available - kFrameHeaderBytes < length) return Result::kNeedMore;
  *payload =
      std::string_view(buffer_.data() + consumed_ + kFrameHeaderBytes, length);
  consumed_ += kFrameHeaderBytes + length;
  return Result::kFrame;
}

// Drops consumed bytes so the buffer never holds more than one partial frame
// plus the newest read.
void FrameDecoder::Compact() {
  if (consumed_ == 0) return;
  buffer_.erase(0, consumed_);
  consumed_ = 0;
}

}  // namespace kafka_sidecar
