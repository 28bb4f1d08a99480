// The hand-rolled encoder must produce what the generated parser reads back
// field for field; anything else would be a silent wire incompatibility.
#include "wire_encoder.h"

#include <gtest/gtest.h>

#include <string>

#include "client_impl.h"
#include "frame_codec.h"
#include "kafka_sidecar/record_batch.h"
#include "sidecar.pb.h"

namespace kafka_sidecar {
namespace {

v1::Request Decode(const RecordBatch& batch, uint64_t id,
                   const wire::ProduceFlags& flags) {
  const std::string_view records = internal::RecordBatchAccess::Encoded(batch);
  std::string frame;
  wire::AppendProducePrefix(id, records.size(), flags, &frame);
  frame.append(records);
  wire::AppendProduceSuffix(flags, &frame);
  EXPECT_EQ(frame.size(), wire::ProduceFrameBytes(id, records.size(), flags));
  EXPECT_EQ(DecodeFrameLength(frame.data()), frame.size() - kFrameHeaderBytes);
  v1::Request request;
  EXPECT_TRUE(request.ParseFromArray(frame.data() + kFrameHeaderBytes,
                                     frame.size() - kFrameHeaderBytes));
  return request;
}

TEST(WireEncoderTest, FullRecordRoundTrips) {
  RecordBatch batch;
  batch.Add(Record{.topic = "orders",
                   .key = "k1",
                   .value = std::string(300, 'v'),  // two-byte length
                   .headers = {{"trace", "abc"}, {"null-header", std::nullopt}},
                   .partition = 7,
                   .timestamp_ms = 1700000000123});
  const v1::Request request = Decode(batch, 42, {});
  EXPECT_EQ(request.id(), 42u);
  ASSERT_TRUE(request.has_produce());
  EXPECT_EQ(request.produce().ack(), v1::ACK_MODE_DELIVERED);
  ASSERT_EQ(request.produce().records_size(), 1);
  const v1::Record& r = request.produce().records(0);
  EXPECT_EQ(r.topic(), "orders");
  EXPECT_EQ(r.key(), "k1");
  EXPECT_EQ(r.value(), std::string(300, 'v'));
  ASSERT_EQ(r.headers_size(), 2);
  EXPECT_EQ(r.headers(0).key(), "trace");
  EXPECT_TRUE(r.headers(0).has_value());
  EXPECT_EQ(r.headers(0).value(), "abc");
  EXPECT_EQ(r.headers(1).key(), "null-header");
  EXPECT_FALSE(r.headers(1).has_value());
  EXPECT_EQ(r.partition(), 7);
  EXPECT_EQ(r.timestamp_ms(), 1700000000123);
}

TEST(WireEncoderTest, AbsentAndEmptyAreDistinct) {
  RecordBatch batch;
  batch.Add(Record{.topic = "t"});                          // null, null
  batch.Add(Record{.topic = "t", .key = "", .value = ""});  // empty, empty
  const v1::Request request = Decode(batch, 1, {});
  ASSERT_EQ(request.produce().records_size(), 2);
  const v1::Record& tombstone = request.produce().records(0);
  EXPECT_FALSE(tombstone.has_key());
  EXPECT_FALSE(tombstone.has_value());
  EXPECT_FALSE(tombstone.has_partition());
  EXPECT_FALSE(tombstone.has_timestamp_ms());
  const v1::Record& empty = request.produce().records(1);
  EXPECT_TRUE(empty.has_key());
  EXPECT_TRUE(empty.has_value());
  EXPECT_EQ(empty.value(), "");
}

TEST(WireEncoderTest, NegativeNumbersUseTenByteVarints) {
  RecordBatch batch;
  batch.Add(Record{.topic = "t", .partition = -1, .timestamp_ms = -5});
  const v1::Request request = Decode(batch, 1, {});
  const v1::Record& r = request.produce().records(0);
  EXPECT_EQ(r.partition(), -1);
  EXPECT_EQ(r.timestamp_ms(), -5);
}

TEST(WireEncoderTest, AckModesAndLargeIds) {
  for (AckMode ack :
       {AckMode::kDelivered, AckMode::kAccepted, AckMode::kNone}) {
    RecordBatch batch;
    batch.Add(RecordView{.topic = "t", .value = "x"});
    const uint64_t id = ~uint64_t{0};
    const v1::Request request = Decode(batch, id, {.ack = ack});
    EXPECT_EQ(request.id(), id);
    EXPECT_EQ(static_cast<int>(request.produce().ack()), static_cast<int>(ack));
    EXPECT_FALSE(request.produce().fail_fast());
  }
}

TEST(WireEncoderTest, FailFastRoundTripsWithEveryAckMode) {
  for (AckMode ack :
       {AckMode::kDelivered, AckMode::kAccepted, AckMode::kNone}) {
    for (bool fail_fast : {false, true}) {
      RecordBatch batch;
      batch.Add(RecordView{.topic = "t", .value = "x"});
      const v1::Request request =
          Decode(batch, 7, {.ack = ack, .fail_fast = fail_fast});
      EXPECT_EQ(request.id(), 7u);
      EXPECT_EQ(static_cast<int>(request.produce().ack()),
                static_cast<int>(ack));
      EXPECT_EQ(request.produce().fail_fast(), fail_fast);
      ASSERT_EQ(request.produce().records_size(), 1);
      EXPECT_EQ(request.produce().records(0).value(), "x");
    }
  }
}

// The hot path: without fail_fast (and with the default ack) the request
// ends with its records; fail_fast costs one two-byte field.
TEST(WireEncoderTest, FailFastIsOneFieldAndAbsentWhenFalse) {
  std::string plain;
  wire::AppendProduceSuffix({}, &plain);
  EXPECT_EQ(plain, "");
  std::string fail_fast;
  wire::AppendProduceSuffix({.fail_fast = true}, &fail_fast);
  EXPECT_EQ(fail_fast, std::string("\x18\x01", 2));
  EXPECT_EQ(wire::ProduceFrameBytes(1, 100, {.fail_fast = true}),
            wire::ProduceFrameBytes(1, 100, {}) + 2);
}

TEST(WireEncoderTest, ManyRecordsKeepOrderAndTopics) {
  RecordBatch batch;
  for (int i = 0; i < 1000; ++i) {
    const std::string value = std::to_string(i);
    batch.Add(RecordView{.topic = i < 500 ? "a" : "b", .value = value});
  }
  EXPECT_EQ(batch.size(), 1000u);
  const auto& runs = internal::RecordBatchAccess::Topics(batch);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].topic, "a");
  EXPECT_EQ(runs[0].count, 500u);
  const v1::Request request = Decode(batch, 9, {.ack = AckMode::kAccepted});
  ASSERT_EQ(request.produce().records_size(), 1000);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(request.produce().records(i).value(), std::to_string(i));
  }
  batch.Clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.encoded_bytes(), 0u);
}

TEST(WireEncoderTest, MatchesGeneratedSerializerByteForByte) {
  RecordBatch batch;
  batch.Add(Record{.topic = "t",
                   .key = "k",
                   .value = "v",
                   .headers = {{"h", "1"}},
                   .partition = 3});
  v1::Request expected;
  expected.set_id(5);
  v1::Record* r = expected.mutable_produce()->add_records();
  r->set_topic("t");
  r->set_key("k");
  r->set_value("v");
  v1::Header* h = r->add_headers();
  h->set_key("h");
  h->set_value("1");
  r->set_partition(3);
  expected.mutable_produce()->set_ack(v1::ACK_MODE_ACCEPTED);
  const std::string_view records = internal::RecordBatchAccess::Encoded(batch);
  for (bool fail_fast : {false, true}) {
    expected.mutable_produce()->set_fail_fast(fail_fast);
    const wire::ProduceFlags flags{.ack = AckMode::kAccepted,
                                   .fail_fast = fail_fast};
    std::string frame;
    wire::AppendProducePrefix(5, records.size(), flags, &frame);
    frame.append(records);
    wire::AppendProduceSuffix(flags, &frame);
    EXPECT_EQ(frame.substr(kFrameHeaderBytes), expected.SerializeAsString());
  }
}

// Cutting a batch at record boundaries: each piece parses back as exactly
// its records, whatever the size of their length varints.
TEST(WireEncoderTest, RecordFieldsBytesCutsAtRecordBoundaries) {
  RecordBatch batch;
  for (size_t size : {0, 1, 127, 128, 300, 20000, 5}) {
    batch.Add(Record{.topic = "t", .value = std::string(size, 'x')});
  }
  std::string_view rest = internal::RecordBatchAccess::Encoded(batch);
  size_t seen = 0;
  for (size_t count : {2, 3, 2}) {
    const size_t bytes = wire::RecordFieldsBytes(rest, count);
    std::string frame;
    wire::AppendProducePrefix(1, bytes, {}, &frame);
    frame.append(rest.substr(0, bytes));
    wire::AppendProduceSuffix({}, &frame);
    v1::Request request;
    ASSERT_TRUE(request.ParseFromArray(frame.data() + kFrameHeaderBytes,
                                       frame.size() - kFrameHeaderBytes));
    EXPECT_EQ(request.produce().records_size(), static_cast<int>(count));
    seen += count;
    rest.remove_prefix(bytes);
  }
  EXPECT_EQ(seen, batch.size());
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(wire::RecordFieldsBytes("", 3), 0u);
}

}  // namespace
}  // namespace kafka_sidecar
