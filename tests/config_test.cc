#include "config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "daemon_fixture.h"

namespace kafka_sidecar {
namespace {

using testing::TempDir;

std::string WriteFile(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/config.toml";
  std::ofstream(path) << text;
  return path;
}

Result<Config> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "kafka-sidecard");
  bool exit_now = false;
  return ParseCommandLine(static_cast<int>(args.size()), args.data(),
                          &exit_now);
}

TEST(ConfigTest, DefaultsAreSafe) {
  auto c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->socket_path, "/run/kafka-sidecar/kafka-sidecar.sock");
  EXPECT_EQ(c->socket_mode, 0660u);
  EXPECT_TRUE(c->kafka.empty());
}

TEST(ConfigTest, FileThenFlagsOverride) {
  TempDir dir;
  const auto path = WriteFile(dir, R"(
socket = "/tmp/from-file.sock"
socket_mode = "0600"
log_level = "debug"
shutdown_timeout_ms = 2500
[kafka]
"bootstrap.servers" = "file:9092"
"linger.ms" = 20
"enable.idempotence" = true
)");
  auto c = Parse({"--config", path.c_str(), "-b", "flag:9092", "-X",
                  "linger.ms=7", "-X", "compression.type=lz4"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->socket_path, "/tmp/from-file.sock");
  EXPECT_EQ(c->socket_mode, 0600u);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->shutdown_timeout_ms, 2500u);
  const std::map<std::string, std::string> kafka(c->kafka.begin(),
                                                 c->kafka.end());
  EXPECT_EQ(kafka.size(), c->kafka.size()) << "a key is set twice";
  EXPECT_EQ(kafka, (std::map<std::string, std::string>{
                       {"bootstrap.servers", "flag:9092"},
                       {"linger.ms", "7"},
                       {"enable.idempotence", "true"},
                       {"compression.type", "lz4"}}));
}

TEST(ConfigTest, UnknownSettingIsNamed) {
  TempDir dir;
  const auto path = WriteFile(dir, "sokcet = \"/x\"\n");
  auto c = Parse({"--config", path.c_str()});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sokcet: unknown setting"),
            std::string::npos)
      << c.status().message();
}

TEST(ConfigTest, WrongTypeIsNamed) {
  TempDir dir;
  const auto path = WriteFile(dir, "max_frame_bytes = \"big\"\n");
  auto c = Parse({"--config", path.c_str()});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("max_frame_bytes: expected an integer"),
            std::string::npos);
}

TEST(ConfigTest, SyntaxErrorHasLineNumber) {
  TempDir dir;
  const auto path = WriteFile(dir, "socket = \"/x\"\nthis is not toml\n");
  auto c = Parse({"--config", path.c_str()});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(":2:"), std::string::npos)
      << c.status().message();
}

TEST(ConfigTest, BadFlagsAreErrors) {
  EXPECT_FALSE(Parse({"-X", "novalue"}).ok());
  EXPECT_FALSE(Parse({"--socket-mode", "999"}).ok());
  EXPECT_FALSE(Parse({"--no-such-flag"}).ok());
}

TEST(ConfigTest, UnknownKafkaPropertyRefusesToStart) {
  Config config;
  config.socket_path = "/nonexistent/never-bound.sock";
  SetKafkaProperty(&config, "linger.msec", "5");
  auto daemon = Daemon::Create(config);
  ASSERT_FALSE(daemon.ok());
  EXPECT_NE(daemon.status().message().find("linger.msec"), std::string::npos)
      << daemon.status().message();
}

TEST(ConfigTest, InvalidKafkaValueRefusesToStart) {
  Config config;
  config.socket_path = "/nonexistent/never-bound.sock";
  SetKafkaProperty(&config, "acks", "sometimes");
  auto daemon = Daemon::Create(config);
  ASSERT_FALSE(daemon.ok());
  EXPECT_NE(daemon.status().message().find("acks"), std::string::npos);
}

}  // namespace
}  // namespace kafka_sidecar
