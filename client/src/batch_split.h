// Where to cut a RecordBatch's encoded records into produce requests the
// daemon accepts: each within its max_records_per_request and, counting the
// request's own bytes around the records (id, field headers, ack,
// fail_fast), within its max_frame_bytes. Pure functions; any thread.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_BATCH_SPLIT_H_
#define KAFKA_SIDECAR_CLIENT_SRC_BATCH_SPLIT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "wire_encoder.h"

namespace kafka_sidecar {

// What one produce request may carry, from the daemon's Hello answer.
struct RequestLimits {
  size_t max_records;
  size_t max_frame_bytes;  // of the payload, the frame header excluded
};

inline constexpr RequestLimits kNoRequestLimits = {SIZE_MAX, SIZE_MAX};

// Records [first, first + count) of a batch, which are bytes
// [offset, offset + bytes) of its encoded record fields.
struct BatchPart {
  size_t first;
  size_t count;
  size_t offset;
  size_t bytes;
};

// Whether `records` records of `records_bytes` encoded bytes fit in one
// request whatever its id.
bool FitsOneRequest(size_t records, size_t records_bytes,
                    const RequestLimits& limits,
                    const wire::ProduceFlags& flags);

// Cuts the `records` record fields in `encoded` into consecutive parts,
// each as large as `limits` allow. A record too large for any request gets
// a part of its own, for the frame size check to refuse.
std::vector<BatchPart> SplitBatch(std::string_view encoded, size_t records,
                                  const RequestLimits& limits,
                                  const wire::ProduceFlags& flags);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_BATCH_SPLIT_H_
