#include "daemon.h"

#include <spdlog/spdlog.h>

#include <csignal>

namespace kafka_sidecar {

Result<std::unique_ptr<Daemon>> Daemon::Create(Config config) {
  // Writes to a vanished peer must fail with EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<Daemon> d(new Daemon(std::move(config)));
  if (Status s = d->Init(); !s.ok()) return s;
  return d;
}

Status Daemon::Init() {
  if (config_.max_records_per_request == 0 ||
      config_.max_records_per_request >= (1u << 20)) {
    return Status::Error("max_records_per_request must be 1..1048575");
  }
  if (config_.dev) {
    auto mock = MockCluster::Create(config_.dev_brokers);
    if (!mock.ok()) return mock.status();
    mock_ = std::move(mock.value());
    SetKafkaProperty(&config_, "bootstrap.servers", mock_->bootstrap());
  }
  Status s = Status::FromUv(uv_loop_init(&loop_), "uv_loop_init");
  if (!s.ok()) return s;
  loop_ready_ = true;
  // "Cannot happen" failures: uv_async_init and uv_signal_init only fail on
  // invalid arguments.
  uv_async_init(&loop_, &ack_async_, [](uv_async_t* a) {
    auto* self = static_cast<Daemon*>(a->data);
    self->acks_.Swap(&self->scratch_);
    self->server_->OnAcks(&self->scratch_);
  });
  ack_async_.data = this;
  uv_async_init(&loop_, &stop_async_, [](uv_async_t* a) {
    auto* self = static_cast<Daemon*>(a->data);
    self->ops_->OnStopping();
    self->server_->BeginShutdown([self] { self->OnShutdownDone(); });
  });
  stop_async_.data = this;
  for (auto [handle, signum] :
       {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT}}) {
    uv_signal_init(&loop_, handle);
    handle->data = this;
    uv_signal_start(
        handle,
        [](uv_signal_t* h, int signum) {
          spdlog::info("received {}", strsignal(signum));
          static_cast<Daemon*>(h->data)->RequestShutdown();
        },
        signum);
  }
  auto producer =
      Producer::Create(config_, acks_, [this] { uv_async_send(&ack_async_); });
  if (!producer.ok()) return producer.status();
  producer_ = std::move(producer.value());
  server_ = std::make_unique<Server>(&loop_, config_, *producer_);
  ops_ = std::make_unique<Operations>(&loop_, config_, *server_, *producer_);
  if (Status s = ops_->Listen(); !s.ok()) return s;
  return ops_->Start();
}

Daemon::~Daemon() {
  if (producer_) producer_->StopPolling();
  if (!loop_ready_) return;
  if (server_) server_->CloseHandles();
  CloseOwnHandles();
  uv_run(&loop_, UV_RUN_DEFAULT);  // runs the close callbacks
  if (uv_loop_close(&loop_) != 0) {
    spdlog::error("event loop closed with handles still open");
  }
}

void Daemon::CloseOwnHandles() {
  if (ops_) ops_->Close();
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&ack_async_),
                         reinterpret_cast<uv_handle_t*>(&stop_async_),
                         reinterpret_cast<uv_handle_t*>(&sigterm_),
                         reinterpret_cast<uv_handle_t*>(&sigint_)}) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }
}

int Daemon::Run() {
  producer_->StartPolling();
  spdlog::info("serving {} (Kafka: {})", config_.socket_path,
               dev_bootstrap().empty() ? "configured bootstrap servers"
                                       : "embedded dev cluster");
  ops_->OnRunning();
  uv_run(&loop_, UV_RUN_DEFAULT);
  loop_ready_ = false;
  if (const int rc = uv_loop_close(&loop_); rc != 0) {
    spdlog::error("event loop closed with handles still open: {}",
                  uv_strerror(rc));
    return 1;
  }
  spdlog::info(
      "stopped: {} records delivered, {} failed, {} responses "
      "dropped for closed connections",
      server_->counters().records_delivered, server_->counters().records_failed,
      server_->counters().responses_dropped);
  return 0;
}

void Daemon::RequestShutdown() { uv_async_send(&stop_async_); }

// Every request is answered and every connection closed: stop the poller,
// hand over its last reports (counted, nobody is left to answer), close.
void Daemon::OnShutdownDone() {
  producer_->StopPolling();
  acks_.Swap(&scratch_);
  server_->OnAcks(&scratch_);
  CloseOwnHandles();
}

std::string Daemon::dev_bootstrap() const {
  return mock_ ? mock_->bootstrap() : std::string();
}

}  // namespace kafka_sidecar
