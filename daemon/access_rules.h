// Who may connect, and which topics each peer may produce to. Built from the
// [access] section of the configuration (access_rules_config.h); evaluated
// on the loop thread for every connection and record. Value type.
//
// Without an [access] section anyone who can open the socket may write any
// topic: the socket's mode and group are the first gate.
#ifndef KAFKA_SIDECAR_DAEMON_ACCESS_RULES_H_
#define KAFKA_SIDECAR_DAEMON_ACCESS_RULES_H_

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "peer_credentials.h"

namespace kafka_sidecar {

// A set of users and groups; `anyone` matches every peer.
struct Principals {
  bool anyone = false;
  std::set<uid_t> uids;
  std::set<gid_t> gids;

  bool empty() const { return !anyone && uids.empty() && gids.empty(); }
  bool Matches(const PeerCredentials& peer) const;
};

// Topic names and fnmatch(3) patterns: "orders", "billing.*", "log-??".
class TopicSet {
 public:
  void Add(const std::string& pattern);
  bool Matches(const std::string& topic) const;
  bool empty() const {
    return exact_.empty() && prefixes_.empty() && patterns_.empty();
  }

 private:
  std::set<std::string, std::less<>> exact_;
  std::vector<std::string> prefixes_;  // "billing.*" -> "billing."
  std::vector<std::string> patterns_;  // everything else with * ? [
};

struct AccessRule {
  std::string name;  // named in NOT_ALLOWED errors, logs and metrics
  bool allow = true;
  Principals who;
  TopicSet topics;
};

struct AccessVerdict {
  bool allowed = true;
  // The rule that decided ("default" when none matched).
  std::string rule;
};

class AccessRules {
 public:
  // The first rule whose principals and topics both match decides; when
  // none does, `default_allow` decides.
  AccessVerdict MayProduce(const PeerCredentials& peer,
                           const std::string& topic) const;
  bool MayConnect(const PeerCredentials& peer) const;
  // No rules at all: every record is allowed without evaluation.
  bool allows_everything() const { return rules.empty() && default_allow; }

  // Empty: anyone who can open the socket may connect.
  Principals connect;
  std::vector<AccessRule> rules;
  bool default_allow = true;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_ACCESS_RULES_H_
