#include "systemd_notify.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstring>

namespace kafka_sidecar {

SystemdNotifier::SystemdNotifier(uv_loop_t* loop) {
  uv_timer_init(loop, &watchdog_);
  watchdog_.data = this;
}

void SystemdNotifier::Notify(const std::string& message) {
  const int rc = sd_notify(0, message.c_str());
  if (rc < 0) {
    spdlog::warn("sd_notify({}): {}", message.substr(0, message.find('\n')),
                 strerror(-rc));
  }
}

void SystemdNotifier::Ready(const std::string& status) {
  Notify("READY=1\nSTATUS=" + status);
}

void SystemdNotifier::Stopping(const std::string& status) {
  Notify("STOPPING=1\nSTATUS=" + status);
}

void SystemdNotifier::SetStatus(const std::string& status) {
  Notify("STATUS=" + status);
}

uint64_t SystemdNotifier::StartWatchdog() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return 0;
  const uint64_t every_ms = std::max<uint64_t>(1, usec / 2 / 1000);
  uv_timer_start(
      &watchdog_,
      [](uv_timer_t* t) {
        static_cast<SystemdNotifier*>(t->data)->Notify("WATCHDOG=1");
      },
      every_ms, every_ms);
  spdlog::info("systemd watchdog: pinging every {} ms", every_ms);
  return usec;
}

void SystemdNotifier::Close() {
  if (closed_) return;
  closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
}

Result<int> TakeActivatedSocket() {
  const int n = sd_listen_fds(1);
  if (n < 0) return Status::Error(std::string("LISTEN_FDS: ") + strerror(-n));
  if (n == 0) return -1;
  if (n != 1) {
    return Status::Error("systemd passed " + std::to_string(n) +
                         " sockets; kafka-sidecard serves exactly one "
                         "(one ListenStream= in kafka-sidecar.socket)");
  }
  const int fd = SD_LISTEN_FDS_START;
  if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0) {
    return Status::Error(
        "the socket systemd passed is not a listening Unix stream socket");
  }
  return fd;
}

}  // namespace kafka_sidecar
