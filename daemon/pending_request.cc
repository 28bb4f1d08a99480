#include "pending_request.h"

namespace kafka_sidecar {
namespace {

// Room for every result in the arena's first block (about 40 bytes each).
google::protobuf::ArenaOptions ResponseArenaOptions(int records) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 256 + static_cast<size_t>(records) * 64;
  options.max_block_size = std::max<size_t>(options.start_block_size, 8192);
  return options;
}

}  // namespace

PendingRequest::PendingRequest(uint64_t conn_id, uint64_t request_id,
                               const v1::ProduceRequest& request)
    : conn_id(conn_id),
      ack(request.ack()),
      fail_fast(request.fail_fast()),
      size_(static_cast<uint32_t>(request.records_size())),
      request_(&request),
      arena_(ResponseArenaOptions(request.records_size())),
      response_(google::protobuf::Arena::CreateMessage<v1::Response>(&arena_)) {
  response_->set_id(request_id);
  auto* results = response_->mutable_produce()->mutable_results();
  results->Reserve(static_cast<int>(size_));
  for (uint32_t i = 0; i < size_; ++i) results->Add();
}

void PendingRequest::OwnRecords() {
  if (owned_request_ || request_ == nullptr) return;
  owned_request_ = std::make_unique<v1::ProduceRequest>(*request_);
  request_ = owned_request_.get();
}

void PendingRequest::ReleaseRecords() {
  request_ = nullptr;
  owned_request_.reset();
}

}  // namespace kafka_sidecar
