// The hand-written produce reader against the generated parser, and the
// hand-written response writer against the generated serializer.
#include "produce_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pending_request.h"

namespace kafka_sidecar {
namespace {

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Tag(uint32_t field, int wire) { return Varint(field << 3 | wire); }
std::string Len(uint32_t field, const std::string& bytes) {
  return Tag(field, 2) + Varint(bytes.size()) + bytes;
}
std::string Int(uint32_t field, uint64_t v) {
  return Tag(field, 0) + Varint(v);
}

// The generated parser's verdict, viewed like the reader's.
bool GeneratedView(const std::string& payload, v1::Request* req,
                   ProduceBatch* out) {
  if (!req->ParseFromString(payload) || !req->has_produce()) return false;
  ViewProduceRequest(req->id(), req->produce(), out);
  return true;
}

// Whenever the reader accepts, the generated parser agrees field by field.
void ExpectAgree(const std::string& payload, bool reader_handles) {
  ProduceBatch mine;
  const DecodeResult result = DecodeProduceRequest(payload, &mine);
  EXPECT_EQ(result == DecodeResult::kProduce, reader_handles);
  if (result != DecodeResult::kProduce) return;
  v1::Request req;
  ProduceBatch theirs;
  ASSERT_TRUE(GeneratedView(payload, &req, &theirs));
  EXPECT_TRUE(SameProduce(mine, theirs));
}

TEST(ProduceDecoder, ReadsWhatTheGeneratedSerializerWrites) {
  v1::Request req;
  req.set_id(77);
  auto* produce = req.mutable_produce();
  produce->set_ack(v1::ACK_MODE_ACCEPTED);
  produce->set_fail_fast(true);
  auto* r = produce->add_records();
  r->set_topic("orders");
  r->set_key("k");
  r->set_value(std::string("v\0w", 3));
  r->set_partition(-1);
  r->set_timestamp_ms(-5);
  auto* h = r->add_headers();
  h->set_key("h1");
  h->set_value("");
  r->add_headers()->set_key("null-value");
  auto* tombstone = produce->add_records();
  tombstone->set_topic("t\xc3\xa9");  // UTF-8 é
  tombstone->set_key("");
  ProduceBatch mine;
  ASSERT_EQ(DecodeProduceRequest(req.SerializeAsString(), &mine),
            DecodeResult::kProduce);
  ASSERT_EQ(mine.records.size(), 2u);
  EXPECT_EQ(mine.id, 77u);
  EXPECT_EQ(mine.ack, v1::ACK_MODE_ACCEPTED);
  EXPECT_TRUE(mine.fail_fast);
  EXPECT_EQ(mine.records[0].partition, -1);
  EXPECT_EQ(mine.records[0].timestamp_ms, -5);
  EXPECT_EQ(mine.records[0].header_count, 2u);
  EXPECT_TRUE(mine.headers[0].has_value);
  EXPECT_FALSE(mine.headers[1].has_value);
  EXPECT_TRUE(mine.records[1].has_key);
  EXPECT_FALSE(mine.records[1].has_value);
  ExpectAgree(req.SerializeAsString(), true);
}

TEST(ProduceDecoder, AgreesWithProtobufOnUnusualShapes) {
  const std::string record = Len(1, "t") + Len(3, "v");
  const std::string produce = Len(1, record);
  struct Case {
    const char* what;
    std::string payload;
    bool reader_handles;
  };
  const std::vector<Case> cases = {
      {"body before id", Len(3, produce) + Int(1, 9), true},
      {"id twice: last wins", Int(1, 1) + Int(1, 2) + Len(3, produce), true},
      {"two produce fields merge",
       Len(3, produce + Int(2, 1)) + Len(3, Len(1, Len(1, "u")) + Int(2, 2)),
       true},
      {"fields of a record in any order, last wins",
       Len(3, Len(1, Int(5, 3) + Len(3, "a") + Len(1, "x") + Len(3, "b") +
                         Len(1, "y") + Int(6, 1) + Int(5, 4))),
       true},
      {"unknown fields of every wire type skipped",
       Int(99, 1) + Tag(98, 1) + "12345678" + Tag(97, 5) + "1234" +
           Len(96, "zz") +
           Len(3, Len(1, Len(50, "?") + Len(1, "t") + Int(51, 7)) + Int(52, 1)),
       true},
      {"unknown enum value kept", Len(3, produce + Int(2, 42)), true},
      {"ack sign-extended", Len(3, produce + Int(2, ~uint64_t{0})), true},
      {"int32 partition keeps the low bits",
       Len(3, Len(1, Len(1, "t") + Int(5, uint64_t{1} << 33 | 7))), true},
      {"fail_fast any non-zero", Len(3, produce + Int(3, 300)), true},
      {"empty produce", Len(3, ""), true},
      {"empty record", Len(3, Len(1, "")), true},
      {"header with unknown field",
       Len(3, Len(1, Len(1, "t") + Len(4, Len(1, "k") + Int(9, 1)))), true},
      {"non-canonical varint",
       Tag(1, 0) + std::string("\x81\x80\x00", 3) + Len(3, produce), true},
      {"invalid UTF-8 topic", Len(3, Len(1, Len(1, "\xff"))), false},
      {"invalid UTF-8 header key",
       Len(3, Len(1, Len(1, "t") + Len(4, Len(1, "\xc3")))), false},
      {"ping", Int(1, 1) + Len(4, ""), false},
      {"produce then ping", Len(3, produce) + Len(4, ""), false},
      {"no body", Int(1, 1), false},
      {"id with wrong wire type", Len(1, "x") + Len(3, produce), false},
      {"record with wrong wire type", Len(3, Int(1, 1)), false},
      {"group", Len(3, produce) + Tag(20, 3) + Tag(20, 4), false},
      {"truncated length", Len(3, produce).substr(0, 3), false},
      {"length past the end", Tag(3, 2) + Varint(200) + produce, false},
      {"field number 0", Len(3, produce) + Int(0, 1), false},
      {"11-byte varint", Tag(1, 0) + std::string(10, '\x80') + "\x01", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ExpectAgree(c.payload, c.reader_handles);
  }
}

TEST(ProduceDecoder, OwnCopiesEveryViewedByte) {
  std::string payload =
      Len(3, Len(1, Len(1, "topic") + Len(2, "key") + Len(3, "value") +
                        Len(4, Len(1, "hk") + Len(2, "hv"))));
  ProduceBatch batch;
  ASSERT_EQ(DecodeProduceRequest(payload, &batch), DecodeResult::kProduce);
  batch.Own();
  payload.assign(payload.size(), '\0');
  EXPECT_EQ(batch.records[0].topic, "topic");
  EXPECT_EQ(batch.records[0].key, "key");
  EXPECT_EQ(batch.records[0].value, "value");
  EXPECT_EQ(batch.headers[0].key, "hk");
  EXPECT_EQ(batch.headers[0].value, "hv");
}

// The response written by hand is byte for byte the generated one.
TEST(PendingRequestResponse, SameBytesAsTheGeneratedSerializer) {
  ProduceBatch batch;
  batch.id = 300;
  batch.records.resize(6);
  PendingRequest p(1, batch);
  p.SetDelivered(0, 3, 123456789, 1700000000000, 1);
  p.SetDelivered(1, 0, 0, 0, 0);  // every field zero: all omitted
  p.SetDelivered(2, -1, -1, -1, 2);
  p.SetAccepted(3);
  v1::Error* error = p.SetError(4);
  error->set_code(v1::ERROR_CODE_KAFKA);
  error->set_kafka_code(-192);
  error->set_name("_MSG_TIMED_OUT");
  error->set_message(std::string(300, 'm'));  // a two-byte length
  // Record 5 has no outcome: an empty RecordResult.
  v1::Response expected;
  expected.set_id(300);
  auto* results = expected.mutable_produce()->mutable_results();
  auto* md = results->Add()->mutable_delivered();
  md->set_partition(3);
  md->set_offset(123456789);
  md->set_timestamp_ms(1700000000000);
  md->set_timestamp_type(v1::TIMESTAMP_TYPE_CREATE_TIME);
  results->Add()->mutable_delivered();
  md = results->Add()->mutable_delivered();
  md->set_partition(-1);
  md->set_offset(-1);
  md->set_timestamp_ms(-1);
  md->set_timestamp_type(v1::TIMESTAMP_TYPE_LOG_APPEND_TIME);
  results->Add()->mutable_accepted();
  *results->Add()->mutable_error() = *error;
  results->Add();
  std::string frame;
  p.AppendResponseFrame(&frame);
  const std::string payload = expected.SerializeAsString();
  ASSERT_EQ(frame.size(), 4 + payload.size());
  EXPECT_EQ(frame.substr(4), payload);
  EXPECT_EQ(static_cast<uint8_t>(frame[3]), payload.size() & 0xff);
  const RecordOutcomeCounts counts = p.CountOutcomes();
  EXPECT_EQ(counts.n[static_cast<int>(RecordOutcome::kDelivered)], 3u);
  EXPECT_EQ(counts.n[static_cast<int>(RecordOutcome::kAccepted)], 1u);
  EXPECT_EQ(counts.n[static_cast<int>(RecordOutcome::kFailed)], 2u);
}

TEST(PendingRequestResponse, EmptyAndLargeRequests) {
  for (const size_t n : {size_t{0}, size_t{1}, size_t{5000}}) {
    ProduceBatch batch;
    batch.records.resize(n);
    PendingRequest p(1, batch);  // id 0: omitted
    v1::Response expected;
    expected.mutable_produce();
    for (size_t i = 0; i < n; ++i) {
      p.SetDelivered(static_cast<uint32_t>(i), 1, static_cast<int64_t>(i), 7,
                     1);
      auto* md = expected.mutable_produce()->add_results()->mutable_delivered();
      md->set_partition(1);
      md->set_offset(static_cast<int64_t>(i));
      md->set_timestamp_ms(7);
      md->set_timestamp_type(v1::TIMESTAMP_TYPE_CREATE_TIME);
    }
    std::string frame = "prefix";
    p.AppendResponseFrame(&frame);
    EXPECT_EQ(frame.substr(10), expected.SerializeAsString());
  }
}

}  // namespace
}  // namespace kafka_sidecar
