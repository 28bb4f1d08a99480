#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace kafka_sidecar::testing {
namespace {

bool StartsWith(const std::string& line, const char* prefix) {
  return line.rfind(prefix, 0) == 0;
}

std::string Chomp(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

}  // namespace

DaemonProcess::DaemonProcess(std::string socket_path,
                             std::vector<std::string> extra_args,
                             bool embedded_kafka) {
  char dir[] = "/tmp/ks-e2e-XXXXXX";
  dir_ = ::mkdtemp(dir);
  if (socket_path.empty()) socket_path = dir_ + "/sidecar.sock";
  // $KS_DAEMON_PATH overrides the built one: e.g. a sanitized client
  // against a plain daemon.
  const char* daemon_path = std::getenv("KS_DAEMON_PATH");
  if (daemon_path == nullptr || *daemon_path == '\0') {
    daemon_path = KS_DAEMON_PATH;
  }
  std::vector<std::string> args = {daemon_path, "-s", socket_path,
                                   "--log-level", "warn"};
  if (embedded_kafka) args.push_back("--dev");
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // Stdout goes to a file, not a pipe: a pipe we stop reading would kill
  // the daemon with SIGPIPE on its next line.
  const std::string out_path = dir_ + "/stdout";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc =
      posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return;
  }
  for (int attempt = 0; attempt < 500 && socket_path_.empty(); ++attempt) {
    ::usleep(20000);
    ReadStdout(out_path);
  }
}

void DaemonProcess::ReadStdout(const std::string& path) {
  std::FILE* output = std::fopen(path.c_str(), "r");
  if (output == nullptr) return;
  char line[1024];
  while (std::fgets(line, sizeof(line), output) != nullptr) {
    if (std::strchr(line, '\n') == nullptr) break;  // still being written
    const std::string text = Chomp(line);
    if (StartsWith(text, "dev cluster: ")) bootstrap_ = text.substr(13);
    if (StartsWith(text, "serving: ")) socket_path_ = text.substr(9);
  }
  std::fclose(output);
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) Stop(SIGKILL);
  std::system(("rm -rf " + dir_).c_str());
}

int DaemonProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

}  // namespace kafka_sidecar::testing
