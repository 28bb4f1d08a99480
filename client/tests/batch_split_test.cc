// Cutting a batch into requests: every part must parse back as exactly its
// records, fit the daemon's limits with the request's own bytes counted,
// and be as large as they allow, so a split batch costs few requests.
#include "batch_split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client_impl.h"
#include "frame_codec.h"
#include "kafka_sidecar/record_batch.h"
#include "sidecar.pb.h"
#include "wire_encoder.h"

namespace kafka_sidecar {
namespace {

using Access = internal::RecordBatchAccess;

// Payload bytes of the request carrying `part` with the longest id.
size_t PayloadBytes(const BatchPart& part, const wire::ProduceFlags& flags) {
  return wire::ProduceFrameBytes(UINT64_MAX, part.bytes, flags) -
         kFrameHeaderBytes;
}

v1::Request Decode(const RecordBatch& batch, const BatchPart& part,
                   const wire::ProduceFlags& flags) {
  std::string frame;
  wire::AppendProducePrefix(UINT64_MAX, part.bytes, flags, &frame);
  frame.append(Access::Encoded(batch).substr(part.offset, part.bytes));
  wire::AppendProduceSuffix(flags, &frame);
  v1::Request request;
  EXPECT_TRUE(request.ParseFromArray(frame.data() + kFrameHeaderBytes,
                                     frame.size() - kFrameHeaderBytes));
  return request;
}

// Parts start where the previous one ended and cover every record.
void ExpectContiguous(const RecordBatch& batch,
                      const std::vector<BatchPart>& parts) {
  size_t first = 0;
  size_t offset = 0;
  for (const BatchPart& part : parts) {
    EXPECT_EQ(part.first, first);
    EXPECT_EQ(part.offset, offset);
    EXPECT_GT(part.count, 0u);
    first += part.count;
    offset += part.bytes;
  }
  EXPECT_EQ(first, batch.size());
  EXPECT_EQ(offset, batch.encoded_bytes());
}

RecordBatch Batch(const std::vector<size_t>& value_sizes) {
  RecordBatch batch;
  for (size_t i = 0; i < value_sizes.size(); ++i) {
    batch.Add(
        Record{.topic = "t",
               .value = std::to_string(i) + std::string(value_sizes[i], 'x')});
  }
  return batch;
}

TEST(BatchSplitTest, SplitsOnRecordCountAlone) {
  const RecordBatch batch = Batch(std::vector<size_t>(23, 10));
  const RequestLimits limits{.max_records = 5, .max_frame_bytes = SIZE_MAX};
  EXPECT_FALSE(FitsOneRequest(23, batch.encoded_bytes(), limits, {}));
  const auto parts =
      SplitBatch(Access::Encoded(batch), batch.size(), limits, {});
  ExpectContiguous(batch, parts);
  std::vector<size_t> counts;
  for (const BatchPart& part : parts) counts.push_back(part.count);
  EXPECT_EQ(counts, (std::vector<size_t>{5, 5, 5, 5, 3}));
}

// Sizes on both sides of the one- and two-byte length varints.
TEST(BatchSplitTest, EveryPartFitsTheFrameAndIsAsLargeAsItCanBe) {
  std::vector<size_t> sizes;
  for (size_t i = 0; i < 300; ++i) sizes.push_back((i * 7919) % 3000);
  const RecordBatch batch = Batch(sizes);
  for (const wire::ProduceFlags flags :
       {wire::ProduceFlags{}, wire::ProduceFlags{.ack = AckMode::kAccepted},
        wire::ProduceFlags{.ack = AckMode::kAccepted, .fail_fast = true}}) {
    const RequestLimits limits{.max_records = 40, .max_frame_bytes = 20000};
    const auto parts =
        SplitBatch(Access::Encoded(batch), batch.size(), limits, flags);
    ExpectContiguous(batch, parts);
    for (size_t i = 0; i < parts.size(); ++i) {
      const BatchPart& part = parts[i];
      EXPECT_LE(PayloadBytes(part, flags), limits.max_frame_bytes);
      EXPECT_LE(part.count, limits.max_records);
      const v1::Request request = Decode(batch, part, flags);
      EXPECT_EQ(request.produce().fail_fast(), flags.fail_fast);
      ASSERT_EQ(request.produce().records_size(), static_cast<int>(part.count));
      for (size_t r = 0; r < part.count; ++r) {
        EXPECT_EQ(request.produce().records(static_cast<int>(r)).value(),
                  std::to_string(part.first + r) +
                      std::string(sizes[part.first + r], 'x'));
      }
      if (i + 1 == parts.size()) continue;
      // Taking the next record too would break a limit.
      const BatchPart next = parts[i + 1];
      const size_t next_bytes = wire::RecordFieldsBytes(
          Access::Encoded(batch).substr(next.offset), 1);
      EXPECT_FALSE(FitsOneRequest(part.count + 1, part.bytes + next_bytes,
                                  limits, flags));
    }
  }
}

TEST(BatchSplitTest, FitsCountsTheRequestBytesAroundTheRecords) {
  const RecordBatch batch = Batch({100, 200, 300});
  const size_t records_bytes = batch.encoded_bytes();
  const wire::ProduceFlags accepted{.ack = AckMode::kAccepted};
  const size_t exact =
      wire::ProduceFrameBytes(UINT64_MAX, records_bytes, accepted) -
      kFrameHeaderBytes;
  EXPECT_GT(exact, records_bytes);
  EXPECT_TRUE(FitsOneRequest(3, records_bytes, {3, exact}, accepted));
  EXPECT_FALSE(FitsOneRequest(3, records_bytes, {3, exact - 1}, accepted));
  // DELIVERED, the default, puts no ack field on the wire.
  EXPECT_TRUE(FitsOneRequest(3, records_bytes, {3, exact - 1}, {}));
  // fail_fast adds a field of its own.
  EXPECT_FALSE(FitsOneRequest(3, records_bytes, {3, exact},
                              {.ack = AckMode::kAccepted, .fail_fast = true}));
  EXPECT_FALSE(FitsOneRequest(3, records_bytes, {2, exact}, accepted));
  EXPECT_TRUE(FitsOneRequest(3, records_bytes, kNoRequestLimits, accepted));
}

TEST(BatchSplitTest, RecordTooLargeForAnyRequestGetsAPartOfItsOwn) {
  const RecordBatch batch = Batch({10, 10, 5000, 10, 10});
  const RequestLimits limits{.max_records = 100, .max_frame_bytes = 1000};
  const auto parts =
      SplitBatch(Access::Encoded(batch), batch.size(), limits, {});
  ExpectContiguous(batch, parts);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].count, 2u);
  EXPECT_EQ(parts[1].first, 2u);
  EXPECT_EQ(parts[1].count, 1u);
  EXPECT_GT(PayloadBytes(parts[1], {}), 1000u);
  EXPECT_EQ(parts[2].count, 2u);
}

TEST(BatchSplitTest, OversizedRecordsAtTheEdgesAndSideBySide) {
  const RecordBatch batch = Batch({5000, 5000, 10, 5000});
  const RequestLimits limits{.max_records = 100, .max_frame_bytes = 1000};
  const auto parts =
      SplitBatch(Access::Encoded(batch), batch.size(), limits, {});
  ExpectContiguous(batch, parts);
  ASSERT_EQ(parts.size(), 4u);
  for (const BatchPart& part : parts) EXPECT_EQ(part.count, 1u);
}

}  // namespace
}  // namespace kafka_sidecar
