#include "convert.h"

#include <gtest/gtest.h>

namespace kafka_sidecar {
namespace {

const std::vector<RecordBatch::TopicRun> kThreeRecords = {{"a", 2}, {"b", 1}};

v1::Error KafkaError() {
  v1::Error error;
  error.set_code(v1::ERROR_CODE_KAFKA);
  error.set_kafka_code(-192);
  error.set_name("_MSG_TIMED_OUT");
  error.set_message("Local: Message timed out");
  error.set_retriable(true);
  error.set_persistence(v1::PERSISTENCE_POSSIBLY_PERSISTED);
  return error;
}

TEST(ConvertTest, ErrorKeepsEveryField) {
  const Error error = FromProto(KafkaError());
  EXPECT_EQ(error.code, "KAFKA");
  EXPECT_EQ(error.kafka_code, -192);
  EXPECT_EQ(error.name, "_MSG_TIMED_OUT");
  EXPECT_EQ(error.message, "Local: Message timed out");
  EXPECT_TRUE(error.retriable);
  EXPECT_EQ(error.persistence, Persistence::kPossiblyPersisted);
  EXPECT_EQ(error.ToString(),
            "_MSG_TIMED_OUT (-192): Local: Message timed out [retriable, "
            "possibly persisted]");
}

TEST(ConvertTest, DaemonCodesLoseTheirPrefix) {
  EXPECT_EQ(ErrorCodeName(v1::ERROR_CODE_QUEUE_FULL), "QUEUE_FULL");
  EXPECT_EQ(ErrorCodeName(v1::ERROR_CODE_SHUTTING_DOWN), "SHUTTING_DOWN");
  EXPECT_EQ(ErrorCodeName(static_cast<v1::ErrorCode>(99)), "UNKNOWN_99");
  v1::Error bare;
  bare.set_code(v1::ERROR_CODE_NOT_ALLOWED);
  EXPECT_EQ(FromProto(bare).name, "NOT_ALLOWED");  // falls back to the code
}

TEST(ConvertTest, PerRecordResultsInOrderWithTopics) {
  v1::Response response;
  auto* produce = response.mutable_produce();
  auto* first = produce->add_results()->mutable_delivered();
  first->set_partition(1);
  first->set_offset(100);
  first->set_timestamp_ms(5);
  *produce->add_results()->mutable_error() = KafkaError();
  produce->add_results()->mutable_delivered()->set_offset(7);
  const auto results =
      ToRecordResults(response, kThreeRecords, AckMode::kDelivered);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->topic, "a");
  EXPECT_EQ(results[0]->partition, 1);
  EXPECT_EQ(results[0]->offset, 100);
  EXPECT_EQ(results[0]->timestamp_ms, 5);
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().name, "_MSG_TIMED_OUT");
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(results[2]->topic, "b");
  EXPECT_EQ(results[2]->offset, 7);
}

TEST(ConvertTest, WholeRequestErrorFailsEveryRecord) {
  v1::Response response;
  response.mutable_error()->set_code(v1::ERROR_CODE_INVALID_REQUEST);
  response.mutable_error()->set_message("missing topic");
  const auto results =
      ToRecordResults(response, kThreeRecords, AckMode::kDelivered);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, "INVALID_REQUEST");
    EXPECT_EQ(result.error().message, "missing topic");
  }
}

TEST(ConvertTest, AcceptedIsOnlySuccessWhenAskedFor) {
  v1::Response response;
  for (int i = 0; i < 3; ++i) {
    response.mutable_produce()->add_results()->mutable_accepted();
  }
  const auto accepted =
      ToRecordResults(response, kThreeRecords, AckMode::kAccepted);
  ASSERT_TRUE(accepted[0].ok());
  EXPECT_EQ(accepted[0]->offset, RecordMetadata::kUnknown);
  // "Queued" must never pass for "delivered".
  const auto delivered =
      ToRecordResults(response, kThreeRecords, AckMode::kDelivered);
  ASSERT_FALSE(delivered[0].ok());
  EXPECT_EQ(delivered[0].error().code, "PROTOCOL_ERROR");
}

TEST(ConvertTest, MissingResultsAreErrorsNotSuccesses) {
  v1::Response response;
  response.mutable_produce()->add_results()->mutable_delivered();
  response.mutable_produce()->add_results();  // empty oneof
  const auto results =
      ToRecordResults(response, kThreeRecords, AckMode::kDelivered);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].error().code, "PROTOCOL_ERROR");
  EXPECT_EQ(results[2].error().code, "PROTOCOL_ERROR");
  v1::Response wrong_kind;
  wrong_kind.mutable_ping();
  EXPECT_FALSE(
      ToRecordResults(wrong_kind, kThreeRecords, AckMode::kDelivered)[0].ok());
}

TEST(ConvertTest, PingInfo) {
  v1::PingResponse ping;
  ping.set_daemon_version("0.1.0");
  ping.set_kafka_reachable(true);
  ping.set_brokers_up(2);
  ping.set_brokers_total(3);
  ping.set_uptime_ms(1500);
  const PingInfo info = FromProto(ping);
  EXPECT_EQ(info.daemon_version, "0.1.0");
  EXPECT_TRUE(info.kafka_reachable);
  EXPECT_EQ(info.brokers_up, 2u);
  EXPECT_EQ(info.brokers_total, 3u);
  EXPECT_EQ(info.uptime, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace kafka_sidecar
