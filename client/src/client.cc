#include "kafka_sidecar/client.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <mutex>
#include <utility>

#include "batch_split.h"
#include "client_impl.h"
#include "convert.h"
#include "frame_codec.h"
#include "local_errors.h"
#include "wire_encoder.h"

namespace kafka_sidecar {
namespace {

using Access = internal::RecordBatchAccess;
using Results = std::vector<Result<RecordMetadata>>;

RecordBatch BatchOf(const Record& record) {
  RecordBatch batch;
  batch.Add(record);
  return batch;
}

RecordBatch BatchOf(const std::vector<Record>& records) {
  RecordBatch batch;
  for (const Record& record : records) batch.Add(record);
  return batch;
}

// Results for a request that gets no answer: each record is only "sent".
Results Unanswered(const Status& sent,
                   const std::vector<RecordBatch::TopicRun>& topics) {
  if (!sent.ok()) return FailAll(sent.error(), topics);
  Results results;
  for (const auto& run : topics) {
    for (size_t i = 0; i < run.count; ++i) {
      results.push_back(RecordMetadata{.topic = run.topic});
    }
  }
  return results;
}

// The runs of `topics` covering records [first, first + count).
std::vector<RecordBatch::TopicRun> SliceTopics(
    const std::vector<RecordBatch::TopicRun>& topics, size_t first,
    size_t count) {
  std::vector<RecordBatch::TopicRun> slice;
  size_t start = 0;  // of the current run
  for (const auto& run : topics) {
    const size_t begin = std::max(start, first);
    const size_t end = std::min(start + run.count, first + count);
    if (begin < end) slice.push_back({run.topic, end - begin});
    start += run.count;
  }
  return slice;
}

// Joins the answers to the requests a batch was split into: the callback
// gets every record's result, in record order, once the last part is in.
// Parts complete on the reader thread, or on the caller's if not sent.
class MergedResults {
 public:
  MergedResults(size_t parts, BatchCallback callback)
      : parts_(parts), left_(parts), callback_(std::move(callback)) {}

  void Complete(size_t part, Results results) {
    {
      std::lock_guard lock(mu_);
      parts_[part] = std::move(results);
      if (--left_ > 0) return;
    }
    Results all = std::move(parts_.front());
    for (size_t i = 1; i < parts_.size(); ++i) {
      std::move(parts_[i].begin(), parts_[i].end(), std::back_inserter(all));
    }
    callback_(std::move(all));
  }

 private:
  std::mutex mu_;
  std::vector<Results> parts_;
  size_t left_;
  BatchCallback callback_;
};

std::string PingFrame(uint64_t id) {
  v1::Request request;
  request.set_id(id);
  request.mutable_ping();
  std::string frame;
  AppendFrame(request.SerializeAsString(), &frame);
  return frame;
}

}  // namespace

std::string DefaultSocketPath() {
  const char* path = std::getenv("KAFKA_SIDECAR_SOCKET");
  if (path != nullptr && *path != '\0') return path;
  return "/run/kafka-sidecar/kafka-sidecar.sock";
}

Client::Client(ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Client::~Client() = default;

// Sends one request when the batch fits the daemon's limits (records and
// frame bytes, announced in its Hello), else consecutive requests that each
// fit: the daemon refuses too many records whole, and closes the connection
// on a frame too large. A record too large for any request fails alone
// with FRAME_TOO_LARGE. Batches of one record never need the limits (the
// frame size check refuses it if need be), so that path does not look them
// up.
void Client::ProduceBatchAsync(const RecordBatch& batch, AckMode ack,
                               BatchCallback callback) {
  if (batch.empty()) {
    callback({});
    return;
  }
  const std::string_view encoded = Access::Encoded(batch);
  const auto& topics = Access::Topics(batch);
  const wire::ProduceFlags flags = impl_->Flags(ack);
  const RequestLimits limits =
      batch.size() > 1 ? impl_->Limits() : kNoRequestLimits;
  if (FitsOneRequest(batch.size(), encoded.size(), limits, flags)) {
    SubmitProduce(encoded, topics, ack, std::move(callback));
    return;
  }
  const std::vector<BatchPart> parts =
      SplitBatch(encoded, batch.size(), limits, flags);
  auto merged =
      std::make_shared<MergedResults>(parts.size(), std::move(callback));
  for (size_t i = 0; i < parts.size(); ++i) {
    const BatchPart& part = parts[i];
    SubmitProduce(encoded.substr(part.offset, part.bytes),
                  SliceTopics(topics, part.first, part.count), ack,
                  [merged, i](Results results) {
                    merged->Complete(i, std::move(results));
                  });
  }
}

void Client::SubmitProduce(std::string_view encoded,
                           const std::vector<RecordBatch::TopicRun>& topics,
                           AckMode ack, BatchCallback callback) {
  const uint64_t id = impl_->NextId();
  const wire::ProduceFlags flags = impl_->Flags(ack);
  std::string prefix;
  std::string suffix;
  wire::AppendProducePrefix(id, encoded.size(), flags, &prefix);
  wire::AppendProduceSuffix(flags, &suffix);
  const std::string_view pieces[] = {prefix, encoded, suffix};
  if (ack == AckMode::kNone) {
    callback(Unanswered(impl_->SubmitOneWay(pieces), topics));
    return;
  }
  impl_->Submit(
      id, pieces,
      [topics, ack,
       callback = std::move(callback)](Result<const v1::Response*> response) {
        callback(response.ok() ? ToRecordResults(**response, topics, ack)
                               : FailAll(response.error(), topics));
      });
}

void Client::ProduceBatchAsync(const std::vector<Record>& records, AckMode ack,
                               BatchCallback callback) {
  ProduceBatchAsync(BatchOf(records), ack, std::move(callback));
}

Results Client::ProduceBatch(const std::vector<Record>& records, AckMode ack) {
  std::promise<Results> promise;
  std::future<Results> future = promise.get_future();
  ProduceBatchAsync(records, ack, [&promise](Results results) {
    promise.set_value(std::move(results));
  });
  return future.get();
}

void Client::ProduceAsync(const Record& record, RecordCallback callback,
                          AckMode ack) {
  ProduceBatchAsync(BatchOf(record), ack,
                    [callback = std::move(callback)](Results results) {
                      callback(std::move(results.front()));
                    });
}

std::future<Result<RecordMetadata>> Client::ProduceFuture(const Record& record,
                                                          AckMode ack) {
  auto promise = std::make_shared<std::promise<Result<RecordMetadata>>>();
  std::future<Result<RecordMetadata>> future = promise->get_future();
  ProduceAsync(
      record,
      [promise](Result<RecordMetadata> result) {
        promise->set_value(std::move(result));
      },
      ack);
  return future;
}

Result<RecordMetadata> Client::Produce(const Record& record, AckMode ack) {
  return ProduceFuture(record, ack).get();
}

Status Client::Send(const Record& record) {
  Results results = ProduceBatch({record}, AckMode::kNone);
  if (!results.front().ok()) return results.front().error();
  return {};
}

Result<PingInfo> Client::Ping() {
  std::promise<Result<PingInfo>> promise;
  std::future<Result<PingInfo>> future = promise.get_future();
  const uint64_t id = impl_->NextId();
  const std::string frame = PingFrame(id);
  const std::string_view pieces[] = {frame};
  impl_->Submit(id, pieces, [&promise](Result<const v1::Response*> response) {
    if (!response.ok()) {
      promise.set_value(response.error());
    } else if ((*response)->has_ping()) {
      promise.set_value(FromProto((*response)->ping()));
    } else if ((*response)->has_error()) {
      promise.set_value(FromProto((*response)->error()));
    } else {
      promise.set_value(
          ProtocolError("daemon answered a ping with another "
                        "kind of response"));
    }
  });
  return future.get();
}

Status Client::Flush(std::chrono::milliseconds timeout) {
  return impl_->Flush(timeout);
}

size_t Client::in_flight() const { return impl_->in_flight(); }

}  // namespace kafka_sidecar
