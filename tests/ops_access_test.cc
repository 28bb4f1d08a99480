// Who may write what: access rules from TOML, evaluated for peers the kernel
// vouches for (SO_PEERCRED), including a client running as another uid
// (setpriv), denials counted and named, SIGHUP reload on a live connection,
// and the warning for a world-readable config file holding secrets.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "access_rules_config.h"
#include "config_secrets.h"
#include "daemon_fixture.h"
#include "ops_util.h"
#include "producer.h"
#include "wire_client.h"

namespace kafka_sidecar::testing {
namespace {

constexpr uid_t kNobody = 65534;

Result<AccessRules> Rules(const std::string& toml_text) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    return Status::Error(std::string(e.description()));
  }
  AccessRules rules;
  const toml::table* access = root["access"].as_table();
  if (Status s = ParseAccessRules(access ? *access : toml::table{}, &rules);
      !s.ok()) {
    return s;
  }
  return rules;
}

PeerCredentials Peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
  PeerCredentials p;
  p.uid = uid;
  p.gid = gid;
  p.groups = std::move(groups);
  return p;
}

TEST(AccessRulesTest, NoAccessSectionAllowsEverything) {
  auto rules = Rules("");
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(rules->allows_everything());
  EXPECT_TRUE(rules->MayConnect(Peer(1234, 1234)));
  EXPECT_TRUE(rules->MayProduce(Peer(1234, 1234), "anything").allowed);
}

TEST(AccessRulesTest, FirstMatchingRuleDecidesAndDefaultDeniesOnceRulesExist) {
  auto rules = Rules(R"(
    [[access.rules]]
    name = "no-audit"
    action = "deny"
    users = ["*"]
    topics = ["audit.*"]
    [[access.rules]]
    name = "web"
    users = [1000]
    groups = [2000]
    topics = ["clicks", "web.*", "log-??-[ab]"]
  )");
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  const auto web = Peer(1000, 1000);
  EXPECT_TRUE(rules->MayProduce(web, "clicks").allowed);
  EXPECT_FALSE(rules->MayProduce(web, "clicks2").allowed);
  EXPECT_TRUE(rules->MayProduce(web, "web.pages").allowed);
  EXPECT_TRUE(rules->MayProduce(web, "log-eu-a").allowed);
  EXPECT_FALSE(rules->MayProduce(web, "log-eu-c").allowed);
  const AccessVerdict audit = rules->MayProduce(web, "audit.login");
  EXPECT_FALSE(audit.allowed);
  EXPECT_EQ(audit.rule, "no-audit");
  const AccessVerdict other = rules->MayProduce(Peer(1001, 1001), "clicks");
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.rule, "default");
  // A supplementary group (SO_PEERGROUPS) counts like the primary one.
  EXPECT_TRUE(rules->MayProduce(Peer(1001, 1001, {7, 2000}), "clicks").allowed);
}

TEST(AccessRulesTest, NamesAndErrorsAreResolvedAtLoad) {
  auto by_name = Rules(R"(
    [access]
    connect_users = ["root"]
    connect_groups = ["nogroup"]
    default = "allow")");
  ASSERT_TRUE(by_name.ok()) << by_name.status().message();
  EXPECT_TRUE(by_name->MayConnect(Peer(0, 0)));
  EXPECT_TRUE(by_name->MayConnect(Peer(4321, 65534)));
  EXPECT_FALSE(by_name->MayConnect(Peer(4321, 4321)));

  const std::pair<const char*, const char*> bad[] = {
      {"[access]\nconnect_users = [\"no-such-user-xyz\"]",
       "access.connect_users: no user named 'no-such-user-xyz'"},
      {"[access]\nbogus = 1", "access.bogus: unknown setting"},
      {"[access]\ndefault = \"maybe\"", "access.default: expected"},
      {"[[access.rules]]\nusers = [1]", "access.rules[0]: names no topics"},
      {"[[access.rules]]\ntopics = [\"a\"]",
       "access.rules[0]: names no users or groups"},
      {"[[access.rules]]\nusers = [1]\ntopics = [\"a\"]\naction = \"permit\"",
       "access.rules[0].action: expected"},
  };
  for (const auto& [text, message] : bad) {
    auto rules = Rules(text);
    ASSERT_FALSE(rules.ok()) << text;
    EXPECT_NE(rules.status().message().find(message), std::string::npos)
        << rules.status().message();
  }
}

TEST(AccessRulesTest, SecretFileReadableByOthersIsReported) {
  TempDir dir;
  const std::string path = dir.path() + "/sidecar.toml";
  std::ofstream(path) << "[kafka]\n\"sasl.username\" = \"u\"\n"
                         "\"sasl.password\" = \"hunter2\"\n";
  Config config;
  ASSERT_TRUE(LoadConfigFile(path, &config).ok());
  config.config_file = path;
  chmod(path.c_str(), 0644);
  const std::string warning = SecretFileWarning(config);
  EXPECT_NE(warning.find("sasl.password"), std::string::npos) << warning;
  EXPECT_NE(warning.find("0644"), std::string::npos) << warning;
  EXPECT_EQ(warning.find("hunter2"), std::string::npos) << "never log secrets";
  chmod(path.c_str(), 0640);
  EXPECT_EQ(SecretFileWarning(config), "");
  Config no_secrets;
  no_secrets.config_file = path;
  chmod(path.c_str(), 0644);
  EXPECT_EQ(SecretFileWarning(no_secrets), "");
}

// The docs' SASL/SCRAM + TLS example reaches librdkafka as is (Debian's
// librdkafka has SSL and SCRAM); a typo is an error naming the key.
TEST(KafkaSecurityConfigTest, SaslScramOverTlsIsPassedToLibrdkafka) {
  TempDir dir;
  const std::string path = dir.path() + "/sidecar.toml";
  std::ofstream(path) << R"([kafka]
"bootstrap.servers" = "127.0.0.1:1"
"security.protocol" = "SASL_SSL"
"sasl.mechanisms"   = "SCRAM-SHA-512"
"sasl.username"     = "sidecar-web-42"
"sasl.password"     = "secret"
)";
  Config config;
  ASSERT_TRUE(LoadConfigFile(path, &config).ok());
  AckQueue acks;
  auto producer = Producer::Create(config, acks, [] {});
  EXPECT_TRUE(producer.ok()) << producer.status().message();

  SetKafkaProperty(&config, "sasl.mechanisms", "SCRAM-SHA-999");
  auto bad = Producer::Create(config, acks, [] {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("SCRAM-SHA-999"), std::string::npos)
      << bad.status().message();
}

// The daemon, with the socket open to everyone (mode 0666 in a 0755 dir) so
// that the access rules are the only gate.
class AccessDaemonTest : public DaemonTest {
 protected:
  void SetUp() override {
    start_in_setup_ = false;
    DaemonTest::SetUp();
    chmod(dir_.path().c_str(), 0755);
    config_.socket_mode = 0666;
    auto rules = Rules(rules_);
    ASSERT_TRUE(rules.ok()) << rules.status().message();
    config_.access = *rules;
    // The build tree may sit where uid 65534 cannot reach (/root/...): run
    // a copy of the probe from the test's own directory.
    probe_ = dir_.path() + "/ops-probe";
    std::filesystem::copy_file(KS_PROBE_BIN, probe_);
    chmod(probe_.c_str(), 0755);
    StartDaemon();
  }

  // Runs the probe as uid/gid `kNobody`, with `groups` as supplementary.
  CommandResult ProbeAsNobody(const std::string& topic,
                              const std::string& groups = "") {
    std::vector<std::string> argv = {"setpriv",
                                     "--reuid=" + std::to_string(kNobody),
                                     "--regid=" + std::to_string(kNobody)};
    argv.push_back(groups.empty() ? "--clear-groups" : "--groups=" + groups);
    argv.insert(argv.end(), {probe_, socket_path(), topic});
    return RunCommand(argv);
  }

  pb::StatusResponse Status() {
    WireClient client(socket_path());
    pb::Request req;
    req.set_id(9);
    req.mutable_status();
    client.Send(req);
    auto resp = client.Receive();
    EXPECT_TRUE(resp.has_value() && resp->has_status());
    return resp ? resp->status() : pb::StatusResponse();
  }

  std::string probe_;
  std::string rules_ = R"(
    [[access.rules]]
    name = "nobody-no-orders-audit"
    action = "deny"
    users = [65534]
    topics = ["orders.audit"]
    [[access.rules]]
    name = "nobody-orders"
    users = [65534]
    topics = ["orders.*"]
    [[access.rules]]
    name = "team-4242"
    groups = [4242]
    topics = ["team.*"]
    [[access.rules]]
    name = "root-anything"
    users = [0]
    topics = ["*"]
  )";
};

TEST_F(AccessDaemonTest, ClientAsAnotherUidIsAllowedAndDeniedPerRule) {
  if (!HaveProgram("setpriv")) GTEST_SKIP() << "setpriv (util-linux) missing";
  ASSERT_EQ(geteuid(), 0u) << "this test switches uid and must run as root";

  const CommandResult allowed = ProbeAsNobody("orders.eu");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;

  const CommandResult by_rule = ProbeAsNobody("orders.audit");
  EXPECT_EQ(by_rule.exit_code, 3) << by_rule.output;
  EXPECT_NE(by_rule.output.find("NOT_ALLOWED"), std::string::npos);
  EXPECT_NE(by_rule.output.find("'nobody-no-orders-audit'"), std::string::npos)
      << by_rule.output;
  EXPECT_NE(by_rule.output.find("uid 65534"), std::string::npos);

  const CommandResult by_default = ProbeAsNobody("payments");
  EXPECT_EQ(by_default.exit_code, 3) << by_default.output;
  EXPECT_NE(by_default.output.find("access.default"), std::string::npos)
      << by_default.output;

  // Supplementary groups come from SO_PEERGROUPS.
  EXPECT_EQ(ProbeAsNobody("team.x").exit_code, 3);
  const CommandResult grouped = ProbeAsNobody("team.x", "4242");
  EXPECT_EQ(grouped.exit_code, 0) << grouped.output;

  // The test process itself is root: a different peer, different verdicts.
  WireClient root(socket_path());
  root.Send(MakeProduce(1, "payments", 2));
  auto resp = root.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->produce().results(0).has_delivered())
      << resp->DebugString();

  const pb::StatusResponse status = Status();
  EXPECT_EQ(status.records_denied(), 3u);
  EXPECT_EQ(status.records_delivered(), 4u);
}

class ConnectRestrictedTest : public AccessDaemonTest {
 protected:
  void SetUp() override {
    rules_ = "[access]\nconnect_users = [0]\n";
    AccessDaemonTest::SetUp();
  }
};

TEST_F(ConnectRestrictedTest, OtherUsersCannotConnect) {
  if (!HaveProgram("setpriv")) GTEST_SKIP() << "setpriv (util-linux) missing";
  const CommandResult refused = ProbeAsNobody("anything");
  EXPECT_EQ(refused.exit_code, 4) << refused.output;
  EXPECT_NE(refused.output.find("uid 65534"), std::string::npos)
      << refused.output;
  // Root may connect, and no topic rule restricts it.
  WireClient root(socket_path());
  root.Send(MakeProduce(1, "anything", 1));
  auto resp = root.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->produce().results(0).has_delivered());
  EXPECT_EQ(Status().connections_denied(), 1u);
}

class ReloadTest : public DaemonTest {
 protected:
  void Configure(Config* config) override {
    config_path_ = dir_.path() + "/sidecar.toml";
    Write(
        "log_level = \"info\"\n[[access.rules]]\nname = \"freeze\"\n"
        "action = \"deny\"\nusers = [\"*\"]\ntopics = [\"frozen\"]\n"
        "[access]\ndefault = \"allow\"\n");
    ASSERT_TRUE(LoadConfigFile(config_path_, config).ok());
    config->config_file = config_path_;
    config->metrics_listen = "127.0.0.1:0";
  }
  // Scrapes until the reload counter with `result` reaches `n`.
  bool AwaitReloads(const std::string& result, double n) {
    const std::string series =
        "kafka_sidecar_config_reloads_total{result=\"" + result + "\"}";
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
      const HttpReply r =
          HttpGet(daemon_->operations().metrics_port(), "/metrics");
      if (MetricValue(r.body, series).value_or(-1) >= n) return true;
    }
    return false;
  }
  void Write(const std::string& text) { std::ofstream(config_path_) << text; }
  std::string config_path_;
};

TEST_F(ReloadTest, SighupReloadsRulesWithoutDroppingConnections) {
  WireClient client(socket_path());
  client.Send(MakeProduce(1, "frozen", 1));
  auto resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  ASSERT_TRUE(resp->produce().results(0).has_error());
  EXPECT_NE(resp->produce().results(0).error().message().find("'freeze'"),
            std::string::npos);

  // A broken file is refused and the old rules stay.
  Write("[access]\nbogus = true\n");
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  ASSERT_TRUE(AwaitReloads("error", 1));
  client.Send(MakeProduce(2, "frozen", 1));
  resp = client.Receive();
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->produce().results(0).has_error()) << "old rules lost";

  Write("log_level = \"debug\"\n");
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  ASSERT_TRUE(AwaitReloads("ok", 1));
  client.Send(MakeProduce(3, "frozen", 1));
  resp = client.Receive();
  ASSERT_TRUE(resp.has_value()) << "the connection was dropped";
  const bool delivered = resp->produce().results(0).has_delivered();
  EXPECT_TRUE(delivered) << "SIGHUP did not replace the rules";
  EXPECT_FALSE(client.closed());
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(counters().connections_accepted, 1u);
  EXPECT_EQ(daemon_->config().log_level, "debug");
}

}  // namespace
}  // namespace kafka_sidecar::testing
