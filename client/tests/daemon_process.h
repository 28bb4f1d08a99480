// A real kafka-sidecard child process (with its embedded --dev Kafka, unless
// told otherwise) on a socket in a fresh temp directory, for end-to-end
// tests. Stopped with SIGTERM (or SIGKILL on request) and reaped by the
// destructor.
#ifndef KAFKA_SIDECAR_CLIENT_TESTS_DAEMON_PROCESS_H_
#define KAFKA_SIDECAR_CLIENT_TESTS_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace kafka_sidecar::testing {

class DaemonProcess {
 public:
  // Starts the daemon on `socket_path` (a fresh temp path when empty) and
  // waits for its "serving:" line. Check ok() afterwards. Without
  // `embedded_kafka` there is no --dev: `extra_args` name the Kafka (-b).
  explicit DaemonProcess(std::string socket_path = "",
                         std::vector<std::string> extra_args = {},
                         bool embedded_kafka = true);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool ok() const { return pid_ > 0 && !socket_path_.empty(); }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& bootstrap() const { return bootstrap_; }

  // Sends `signal` and waits for the process to exit; returns its status.
  int Stop(int signal);

 private:
  // Picks the bootstrap and "serving:" lines out of the daemon's stdout.
  void ReadStdout(const std::string& path);

  std::string dir_;
  std::string socket_path_;
  std::string bootstrap_;
  pid_t pid_ = -1;
};

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_CLIENT_TESTS_DAEMON_PROCESS_H_
