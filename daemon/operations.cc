#include "operations.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <csignal>

#include "config_secrets.h"

namespace kafka_sidecar {
namespace {

constexpr uint64_t kTickMs = 1000;
constexpr size_t kRateSamples = 11;        // a 10 s window
constexpr uint64_t kStatusEveryTicks = 5;  // STATUS= every 5 s

std::string SocketName(int fd) {
  sockaddr_un addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "?";
  return addr.sun_path;
}

}  // namespace

Operations::Operations(uv_loop_t* loop, Config& config, Server& server,
                       Producer& producer)
    : loop_(loop),
      config_(config),
      server_(server),
      producer_(producer),
      started_(std::chrono::steady_clock::now()),
      systemd_(loop) {
  uv_signal_init(loop_, &sighup_);
  sighup_.data = this;
  uv_timer_init(loop_, &tick_);
  tick_.data = this;
}

Status Operations::Listen() {
  auto fd = TakeActivatedSocket();
  if (!fd.ok()) return fd.status();
  if (*fd < 0) return server_.Listen();
  config_.socket_path = SocketName(*fd);
  spdlog::info("serving the socket systemd passed: {}", config_.socket_path);
  return server_.Adopt(*fd);
}

Status Operations::Start() {
  if (std::string warning = SecretFileWarning(config_); !warning.empty()) {
    spdlog::warn("{}", warning);
  }
  server_.SetStatusSource([this](v1::StatusResponse* out) { FillStatus(out); });
  uv_signal_start(
      &sighup_,
      [](uv_signal_t* h, int) {
        auto* self = static_cast<Operations*>(h->data);
        if (Status s = self->Reload(); !s.ok()) {
          spdlog::error("SIGHUP: reload failed, keeping the old rules: {}",
                        s.message());
        }
      },
      SIGHUP);
  uv_timer_start(
      &tick_, [](uv_timer_t* t) { static_cast<Operations*>(t->data)->Tick(); },
      kTickMs, kTickMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(&tick_));
  if (config_.metrics_listen.empty()) return Status::Ok();
  http_ = std::make_unique<HttpServer>(
      loop_, [this](const std::string& method, const std::string& path) {
        return HandleHttp(method, path);
      });
  if (Status s = http_->Listen(config_.metrics_listen); !s.ok()) return s;
  spdlog::info("metrics: http://{}/metrics (port {})", config_.metrics_listen,
               http_->port());
  return Status::Ok();
}

void Operations::OnRunning() {
  systemd_.Ready(StatusLine());
  systemd_.StartWatchdog();
}

void Operations::OnStopping() { systemd_.Stopping("shutting down"); }

void Operations::Close() {
  if (closed_) return;
  closed_ = true;
  systemd_.Close();
  if (http_) http_->Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&sighup_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
}

Status Operations::Reload() {
  if (config_.config_file.empty()) {
    return Status::Error("the daemon was started without --config");
  }
  Config fresh;
  if (Status s = LoadConfigFile(config_.config_file, &fresh); !s.ok()) {
    server_.mutable_metrics().reload_failures++;
    return s;
  }
  const auto level = spdlog::level::from_str(fresh.log_level);
  if (level == spdlog::level::off && fresh.log_level != "off") {
    server_.mutable_metrics().reload_failures++;
    return Status::Error("log_level: '" + fresh.log_level + "' is unknown");
  }
  fresh.config_file = config_.config_file;
  if (std::string warning = SecretFileWarning(fresh); !warning.empty()) {
    spdlog::warn("{}", warning);
  }
  server_.SetAccessRules(fresh.access);
  config_.access = fresh.access;
  config_.log_level = fresh.log_level;
  spdlog::set_level(level);
  server_.mutable_metrics().reloads++;
  spdlog::info("SIGHUP: reloaded {}: {} access rules, log level {}",
               config_.config_file, fresh.access.rules.size(), fresh.log_level);
  return Status::Ok();
}

void Operations::Tick() {
  const Counters& c = server_.counters();
  samples_.push_back({std::chrono::steady_clock::now(), c.records_delivered,
                      c.records_failed});
  if (samples_.size() > kRateSamples) samples_.pop_front();
  if (++ticks_ % kStatusEveryTicks == 0) systemd_.SetStatus(StatusLine());
}

std::pair<double, double> Operations::Rates(uint32_t* window_ms) const {
  *window_ms = 0;
  if (samples_.empty()) return {0, 0};
  const Counters& c = server_.counters();
  const Sample& first = samples_.front();
  const auto span = std::chrono::steady_clock::now() - first.at;
  const double seconds = std::chrono::duration<double>(span).count();
  if (seconds <= 0) return {0, 0};
  *window_ms = static_cast<uint32_t>(seconds * 1000);
  return {(c.records_delivered - first.delivered) / seconds,
          (c.records_failed - first.failed) / seconds};
}

std::vector<std::string> Operations::Problems() const {
  std::vector<std::string> problems;
  const auto& b = producer_.brokers();
  if (b.up.load() == 0) {
    problems.push_back("Kafka unreachable: 0 of " +
                       std::to_string(b.total.load()) + " brokers up");
  }
  if (server_.shutting_down())
    problems.push_back("the daemon is shutting down");
  uint32_t window_ms = 0;
  const auto [delivered, failed] = Rates(&window_ms);
  if (failed > 0 && delivered == 0) {
    problems.push_back("every record of the last " +
                       std::to_string(window_ms / 1000) + " s failed");
  }
  return problems;
}

std::string Operations::StatusLine() const {
  const auto& b = producer_.brokers();
  const Counters& c = server_.counters();
  return "serving " + config_.socket_path + "; Kafka brokers up " +
         std::to_string(b.up.load()) + "/" + std::to_string(b.total.load()) +
         "; " + std::to_string(server_.connection_count()) +
         " connections; queue " + std::to_string(producer_.OutQueueLength()) +
         "; delivered " + std::to_string(c.records_delivered) + ", failed " +
         std::to_string(c.records_failed);
}

void Operations::FillStatus(v1::StatusResponse* out) const {
  const std::vector<std::string> problems = Problems();
  out->set_healthy(problems.empty());
  for (const std::string& p : problems) out->add_problems(p);
  uint32_t window_ms = 0;
  const auto [delivered, failed] = Rates(&window_ms);
  out->set_delivered_per_second(delivered);
  out->set_failed_per_second(failed);
  out->set_rate_window_ms(window_ms);
  const auto stats = producer_.stats();
  if (!stats) return;
  out->set_stats_age_ms(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - stats->taken)
          .count()));
  out->set_queue_messages(static_cast<uint64_t>(stats->queue_msgs));
  out->set_queue_bytes(static_cast<uint64_t>(stats->queue_bytes));
  for (const BrokerStats& b : stats->brokers) {
    v1::BrokerStatus* s = out->add_brokers();
    s->set_name(b.name);
    s->set_node_id(b.node_id);
    s->set_state(b.state);
    s->set_rtt_avg_us(b.rtt_avg_us);
    s->set_rtt_p99_us(b.rtt_p99_us);
  }
}

MetricsView Operations::View() const {
  MetricsView v;
  v.counters = &server_.counters();
  v.ops = &server_.metrics();
  v.connections = server_.connection_count();
  v.pending_requests = server_.pending_count();
  v.inflight_records = server_.InflightRecords();
  v.producer_queue = producer_.OutQueueLength();
  v.brokers_up = producer_.brokers().up.load();
  v.brokers_total = producer_.brokers().total.load();
  v.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
          .count();
  v.shutting_down = server_.shutting_down();
  v.kafka = producer_.stats();
  return v;
}

HttpResponse Operations::HandleHttp(const std::string& method,
                                    const std::string& path) {
  if (method != "GET") {
    return {405, "text/plain; charset=utf-8", "only GET\n"};
  }
  if (path == "/metrics") {
    return {200, kPrometheusContentType, RenderPrometheus(View())};
  }
  if (path == "/healthz") {
    const std::vector<std::string> problems = Problems();
    std::string body = problems.empty() ? "ok\n" : "";
    for (const std::string& p : problems) body += p + "\n";
    return {problems.empty() ? 200 : 503, "text/plain; charset=utf-8", body};
  }
  return {404, "text/plain; charset=utf-8",
          "not found; try /metrics or /healthz\n"};
}

}  // namespace kafka_sidecar
