// Runs the real kafka-sidecard binary as a child process, for tests that
// need what an in-process daemon cannot give: its own RSS, a real SIGTERM or
// SIGKILL, a restart on the same socket. One thread at a time.
#ifndef KAFKA_SIDECAR_TESTS_DAEMON_PROCESS_H_
#define KAFKA_SIDECAR_TESTS_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kafka_sidecar::testing {

class DaemonProcess {
 public:
  // Starts `KS_DAEMON_BINARY --socket socket_path args...` and waits (up to
  // 20 s) for its "serving:" line. started() says whether that came.
  DaemonProcess(const std::string& socket_path,
                const std::vector<std::string>& args);
  // SIGKILLs the daemon if it still runs.
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool started() const { return started_; }
  pid_t pid() const { return pid_; }
  void Signal(int signum);
  // Resident set size in KiB from /proc/PID/status; 0 once gone.
  long RssKiB() const;
  // Waits for the exit; returns the wait status, or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool started_ = false;
  bool reaped_ = false;
};

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_TESTS_DAEMON_PROCESS_H_
