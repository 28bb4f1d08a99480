// The systemd service protocols, via libsystemd: readiness and status
// notifications (sd_notify: READY=1, STATUS=, STOPPING=1), the watchdog
// (WATCHDOG=1 at half of WatchdogSec, from a loop timer, so a wedged loop
// stops the pings and systemd restarts the daemon), and socket activation
// (LISTEN_FDS). Without systemd (no NOTIFY_SOCKET / LISTEN_FDS) every call
// is a cheap no-op.
//
// Loop thread only, except TakeActivatedSocket (main thread, at start).
#ifndef KAFKA_SIDECAR_DAEMON_SYSTEMD_NOTIFY_H_
#define KAFKA_SIDECAR_DAEMON_SYSTEMD_NOTIFY_H_

#include <uv.h>

#include <cstdint>
#include <string>

#include "status.h"

namespace kafka_sidecar {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(uv_loop_t* loop);
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  void Ready(const std::string& status);
  void Stopping(const std::string& status);
  void SetStatus(const std::string& status);
  // Starts the watchdog pings when systemd asked for them (WATCHDOG_USEC).
  // Returns the interval in microseconds, 0 when not asked.
  uint64_t StartWatchdog();
  void Close();

 private:
  void Notify(const std::string& message);

  uv_timer_t watchdog_;
  bool closed_ = false;
};

// The listening Unix stream socket systemd passed (LISTEN_FDS=1), or -1 when
// none was passed. Passing anything else is an error. Clears the LISTEN_*
// variables so that children do not inherit them.
Result<int> TakeActivatedSocket();

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_SYSTEMD_NOTIFY_H_
