#include "batch_split.h"

#include "frame_codec.h"
#include "wire_encoder.h"

namespace kafka_sidecar {

bool FitsOneRequest(size_t records, size_t records_bytes,
                    const RequestLimits& limits,
                    const wire::ProduceFlags& flags) {
  if (records > limits.max_records) return false;
  // Request ids grow: size the request for the longest one.
  const size_t payload =
      wire::ProduceFrameBytes(UINT64_MAX, records_bytes, flags) -
      kFrameHeaderBytes;
  return payload <= limits.max_frame_bytes;
}

// Greedy, in record order: a part ends where the next record would not fit.
std::vector<BatchPart> SplitBatch(std::string_view encoded, size_t records,
                                  const RequestLimits& limits,
                                  const wire::ProduceFlags& flags) {
  std::vector<BatchPart> parts;
  BatchPart part{.first = 0, .count = 0, .offset = 0, .bytes = 0};
  for (size_t i = 0; i < records; ++i) {
    const size_t offset = part.offset + part.bytes;
    const size_t bytes = wire::RecordFieldsBytes(encoded.substr(offset), 1);
    if (part.count > 0 &&
        !FitsOneRequest(part.count + 1, part.bytes + bytes, limits, flags)) {
      parts.push_back(part);
      part = {.first = i, .count = 0, .offset = offset, .bytes = 0};
    }
    ++part.count;
    part.bytes += bytes;
  }
  if (part.count > 0) parts.push_back(part);
  return parts;
}

}  // namespace kafka_sidecar
