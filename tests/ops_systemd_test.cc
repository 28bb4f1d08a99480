// The systemd side: the notify protocol against a test NOTIFY_SOCKET,
// socket activation through systemd-socket-activate, the unit files through
// systemd-analyze (verify and offline security), and `make install` output.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "daemon_fixture.h"
#include "ops_util.h"
#include "wire_client.h"

extern char** environ;

namespace kafka_sidecar::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~NotifySocket() { close(fd_); }
  bool bound() const { return bound_; }
  // The next datagram, or "" after `timeout_ms`.
  std::string Next(int timeout_ms = 10000) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) return "";
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

class NotifyTest : public DaemonTest {
 protected:
  void SetUp() override {
    start_in_setup_ = false;
    DaemonTest::SetUp();
  }
  void TearDown() override {
    DaemonTest::TearDown();
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
  }
};

TEST_F(NotifyTest, ReadyThenWatchdogThenStoppingInOrder) {
  const std::string path = dir_.path() + "/notify.sock";
  NotifySocket notify(path);
  ASSERT_TRUE(notify.bound());
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);  // ping every 100 ms
  unsetenv("WATCHDOG_PID");
  StartDaemon();

  const std::string ready = notify.Next();
  ASSERT_EQ(ready.rfind("READY=1\n", 0), 0u) << "first message: " << ready;
  EXPECT_NE(ready.find("STATUS=serving " + socket_path()), std::string::npos)
      << ready;
  // The socket serves by the time READY=1 is sent.
  WireClient client(socket_path());
  ASSERT_TRUE(client.connected());

  int watchdogs = 0;
  while (watchdogs < 3) {
    const std::string m = notify.Next();
    ASSERT_FALSE(m.empty()) << "no WATCHDOG=1 within 10 s";
    if (m == "WATCHDOG=1") ++watchdogs;
    ASSERT_EQ(m.find("STOPPING"), std::string::npos);
  }
  daemon_->RequestShutdown();
  std::string m;
  do {
    m = notify.Next();
    ASSERT_FALSE(m.empty()) << "no STOPPING=1";
    ASSERT_EQ(m.find("READY=1"), std::string::npos) << "READY twice";
  } while (m.rfind("STOPPING=1", 0) != 0);
  EXPECT_EQ(StopDaemon(), 0);
}

TEST(SocketActivationTest, AdoptsTheSocketSystemdSocketActivatePasses) {
  if (!HaveProgram("systemd-socket-activate")) {
    GTEST_SKIP() << "systemd-socket-activate (package systemd) is missing";
  }
  auto cluster = MockCluster::Create(1);
  ASSERT_TRUE(cluster.ok());
  TempDir dir;
  const std::string sock = dir.path() + "/activated.sock";
  const std::string bootstrap = (*cluster)->bootstrap();
  // systemd-socket-activate hands the daemon a clean environment: pass the
  // sanitizer settings on explicitly (e.g. the TSan suppressions).
  std::vector<std::string> argv = {"systemd-socket-activate", "-l", sock};
  for (const char* name : {"TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    if (std::getenv(name) != nullptr) argv.push_back(std::string("-E") + name);
  }
  argv.insert(argv.end(), {KS_DAEMON_BIN, "--socket",
                           dir.path() + "/not-this-one.sock", "-b", bootstrap});
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // One pipe for the output of both: systemd-socket-activate execs the
  // daemon in its own process.
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  pid_t pid = -1;
  ASSERT_EQ(
      posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  auto read_some = [&](int timeout_ms) {
    pollfd pfd{out[0], POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) return false;
    text.append(buf, static_cast<size_t>(n));
    return true;
  };
  // It says so once the socket listens; the daemon starts on the first
  // connection.
  while (text.find("Listening on") == std::string::npos) {
    ASSERT_TRUE(read_some(10000)) << "systemd-socket-activate: " << text;
  }
  WireClient client(sock);
  ASSERT_TRUE(client.connected()) << text;
  client.Send(MakeProduce(1, "activated", 3));
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value()) << text;
  EXPECT_TRUE(resp->produce().results(2).has_delivered())
      << resp->DebugString();

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  while (read_some(10000)) {
  }
  close(out[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  EXPECT_NE(text.find("serving the socket systemd passed: " + sock),
            std::string::npos)
      << text;
  struct stat st;
  EXPECT_NE(lstat((dir.path() + "/not-this-one.sock").c_str(), &st), 0)
      << "the daemon bound its own socket instead of adopting";
}

// The configured service unit with ExecStart= pointing at the built binary,
// next to the socket unit, in `dir`.
std::string StageUnits(const std::string& dir) {
  std::string service =
      ReadFile(KS_BINARY_DIR "/systemd/kafka-sidecar.service");
  const size_t at = service.find("ExecStart=") + sizeof("ExecStart=") - 1;
  service.replace(at, service.find(' ', at) - at, KS_DAEMON_BIN);
  std::ofstream(dir + "/kafka-sidecar.service") << service;
  std::ofstream(dir + "/kafka-sidecar.socket")
      << ReadFile(KS_SOURCE_DIR "/systemd/kafka-sidecar.socket");
  return service;
}

TEST(UnitFilesTest, SystemdAnalyzeVerifyAcceptsTheUnits) {
  if (!HaveProgram("systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze (package systemd) is missing";
  }
  TempDir dir;
  const std::string service = StageUnits(dir.path());
  EXPECT_NE(service.find("Type=notify"), std::string::npos);
  // --man=no: man pages named in Documentation= are not installed in CI.
  const CommandResult verify =
      RunCommand({"systemd-analyze", "verify", "--man=no",
                  dir.path() + "/kafka-sidecar.service",
                  dir.path() + "/kafka-sidecar.socket"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(verify.output, "") << "verify printed warnings";

  // The check can fail: a unit whose binary does not exist is rejected.
  std::ofstream(dir.path() + "/broken.service")
      << "[Service]\nType=notify\nExecStart=/nonexistent/kafka-sidecard\n";
  const CommandResult broken =
      RunCommand({"systemd-analyze", "verify", "--man=no",
                  dir.path() + "/broken.service"});
  EXPECT_NE(broken.exit_code, 0) << broken.output;
}

TEST(UnitFilesTest, SandboxingExposureIsLow) {
  if (!HaveProgram("systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze (package systemd) is missing";
  }
  TempDir dir;
  StageUnits(dir.path());
  const CommandResult security =
      RunCommand({"systemd-analyze", "security", "--offline=yes", "--no-pager",
                  dir.path() + "/kafka-sidecar.service"});
  const size_t at = security.output.find("Overall exposure level for ");
  ASSERT_NE(at, std::string::npos) << security.output;
  const size_t colon = security.output.find(": ", at);
  ASSERT_NE(colon, std::string::npos) << security.output;
  const double exposure =
      std::strtod(security.output.c_str() + colon + 2, nullptr);
  std::printf("systemd-analyze security exposure: %.1f\n", exposure);
  EXPECT_LE(exposure, 2.0) << security.output;
}

TEST(InstallTest, InstallPutsEverythingInTheStandardPlaces) {
  TempDir dest;
  const CommandResult install = [&] {
    setenv("DESTDIR", dest.path().c_str(), 1);
    CommandResult r = RunCommand({"cmake", "--install", KS_BINARY_DIR});
    unsetenv("DESTDIR");
    return r;
  }();
  ASSERT_EQ(install.exit_code, 0) << install.output;
  const std::string prefix = dest.path() + KS_INSTALL_PREFIX;
  const std::string config = dest.path() + KS_CONFIG_DIR "/kafka-sidecar.toml";
  for (const std::string& path :
       {prefix + "/bin/kafka-sidecard",
        prefix + "/lib/systemd/system/kafka-sidecar.service",
        prefix + "/lib/systemd/system/kafka-sidecar.socket",
        prefix + "/lib/sysusers.d/kafka-sidecar.conf", config}) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path << "\n" << install.output;
  }
  struct stat st;
  ASSERT_EQ(stat(config.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "the config may hold secrets";
  // The example configuration is valid.
  Config parsed;
  const Status s = LoadConfigFile(config, &parsed);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(parsed.socket_path, kDefaultSocketPath);
  // The service runs what was installed.
  const std::string service =
      ReadFile(prefix + "/lib/systemd/system/kafka-sidecar.service");
  EXPECT_NE(service.find("ExecStart=" KS_INSTALL_PREFIX "/bin/kafka-sidecard"),
            std::string::npos)
      << service;
  // systemd-sysusers understands the entry.
  if (HaveProgram("systemd-sysusers")) {
    const CommandResult sysusers =
        RunCommand({"systemd-sysusers", "--dry-run", "--root=" + dest.path(),
                    prefix + "/lib/sysusers.d/kafka-sidecar.conf"});
    EXPECT_EQ(sysusers.exit_code, 0) << sysusers.output;
    EXPECT_NE(sysusers.output.find("kafka-sidecar"), std::string::npos)
        << sysusers.output;
  }
}

}  // namespace
}  // namespace kafka_sidecar::testing
