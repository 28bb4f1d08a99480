#include "produce_command.h"

#include <chrono>

#include "request_window.h"
#include "result_report.h"

namespace kafka_sidecar::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string_view AckName(AckMode ack) {
  switch (ack) {
    case AckMode::kDelivered:
      return "delivered";
    case AckMode::kAccepted:
      return "accepted";
    case AckMode::kNone:
      return "none";
  }
  return "?";
}

// Sends batches with a bounded window and tallies their results.
class Producer {
 public:
  Producer(const ProduceOptions& options, std::FILE* out, std::FILE* err)
      : options_(options),
        window_(options.window),
        report_(err, options.print_acks ? out : nullptr),
        client_(options.client) {}

  // Sends `batch`, whose first record is number `first_record`.
  void Send(const RecordBatch& batch, uint64_t first_record) {
    window_.Acquire();
    client_.ProduceBatchAsync(
        batch, options_.ack,
        [this, first_record](std::vector<Result<RecordMetadata>> results) {
          report_.Add(first_record, results);
          window_.Release();
        });
  }

  // Waits for every answer. With AckMode::kNone a ping answered after the
  // last request shows the daemon has read everything before it.
  Status Finish() {
    window_.WaitEmpty();
    if (options_.ack != AckMode::kNone) return {};
    Result<PingInfo> ping = client_.Ping();
    if (!ping.ok()) return ping.error();
    return {};
  }

  Result<PingInfo> Ping() { return client_.Ping(); }
  uint64_t failed() const { return report_.failed(); }

 private:
  const ProduceOptions& options_;
  RequestWindow window_;
  ResultReport report_;
  Client client_;  // last: destroyed first, while its callbacks' targets live
};

std::vector<HeaderView> HeaderViews(const std::vector<Header>& headers) {
  std::vector<HeaderView> views;
  for (const auto& [name, value] : headers) {
    views.push_back(
        {name, value ? std::optional<std::string_view>(*value) : std::nullopt});
  }
  return views;
}

// Reads every line into batches; returns how many records were read.
uint64_t SendAll(const ProduceOptions& options, LineReader& input,
                 Producer& producer) {
  const std::vector<HeaderView> headers = HeaderViews(options.headers);
  RecordView record{.topic = options.topic,
                    .key = options.key,
                    .headers = headers,
                    .partition = options.partition};
  RecordBatch batch;
  batch.Reserve(options.batch_bytes + (64 << 10));
  uint64_t read = 0;
  std::string_view line;
  while (input.Next(&line)) {
    record.value = line;
    batch.Add(record);
    ++read;
    if (batch.size() >= options.batch_records ||
        batch.encoded_bytes() >= options.batch_bytes) {
      producer.Send(batch, read - batch.size() + 1);
      batch.Clear();
    }
  }
  if (!batch.empty()) producer.Send(batch, read - batch.size() + 1);
  return read;
}

void PrintSummary(const ProduceOptions& options, uint64_t records,
                  uint64_t failed, Clock::duration elapsed, std::FILE* err) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = seconds > 0 ? static_cast<double>(records) / seconds : 0;
  std::fprintf(err,
               "kafka-sidecar produce: %llu messages, %llu failed, %.3f s, "
               "%.0f msg/s (ack=%s, topic=%s)\n",
               static_cast<unsigned long long>(records),
               static_cast<unsigned long long>(failed), seconds, rate,
               std::string(AckName(options.ack)).c_str(),
               options.topic.c_str());
}

}  // namespace

Header ParseHeader(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos) return {text, std::nullopt};
  return {text.substr(0, equals), text.substr(equals + 1)};
}

int RunProduce(const ProduceOptions& options, LineReader& input, std::FILE* out,
               std::FILE* err) {
  const auto start = Clock::now();
  Producer producer(options, out, err);
  // Fail before reading stdin when no daemon is there to take it.
  Result<PingInfo> ping = producer.Ping();
  if (!ping.ok()) {
    std::fprintf(err, "kafka-sidecar produce: %s\n",
                 ping.error().ToString().c_str());
    return 1;
  }
  // 0 brokers known: the daemon has not looked yet (just started).
  if (!ping->kafka_reachable && ping->brokers_total > 0 &&
      options.ack == AckMode::kDelivered) {
    std::fprintf(err,
                 "kafka-sidecar produce: warning: the daemon reaches no Kafka "
                 "broker (%u/%u up); messages wait for Kafka\n",
                 ping->brokers_up, ping->brokers_total);
  }
  const uint64_t records = SendAll(options, input, producer);
  const Status finished = producer.Finish();
  PrintSummary(options, records, producer.failed(), Clock::now() - start, err);
  bool ok = producer.failed() == 0;
  if (!input.error().empty()) {
    std::fprintf(err, "kafka-sidecar produce: reading stdin failed: %s\n",
                 input.error().c_str());
    ok = false;
  }
  if (!finished.ok()) {
    std::fprintf(err,
                 "kafka-sidecar produce: cannot confirm the daemon read "
                 "every message: %s\n",
                 finished.error().ToString().c_str());
    ok = false;
  }
  return ok ? 0 : 1;
}

}  // namespace kafka_sidecar::cli
