#include "access_rules.h"

#include <fnmatch.h>

namespace kafka_sidecar {

bool Principals::Matches(const PeerCredentials& peer) const {
  if (anyone || uids.count(peer.uid) > 0 || gids.count(peer.gid) > 0) {
    return true;
  }
  for (const gid_t g : peer.groups) {
    if (gids.count(g) > 0) return true;
  }
  return false;
}

void TopicSet::Add(const std::string& pattern) {
  const size_t meta = pattern.find_first_of("*?[");
  if (meta == std::string::npos) {
    exact_.insert(pattern);
  } else if (meta == pattern.size() - 1 && pattern.back() == '*') {
    prefixes_.push_back(pattern.substr(0, meta));
  } else {
    patterns_.push_back(pattern);
  }
}

bool TopicSet::Matches(const std::string& topic) const {
  if (exact_.count(topic) > 0) return true;
  for (const std::string& prefix : prefixes_) {
    if (topic.compare(0, prefix.size(), prefix) == 0) return true;
  }
  for (const std::string& pattern : patterns_) {
    if (fnmatch(pattern.c_str(), topic.c_str(), 0) == 0) return true;
  }
  return false;
}

AccessVerdict AccessRules::MayProduce(const PeerCredentials& peer,
                                      const std::string& topic) const {
  for (const AccessRule& rule : rules) {
    if (rule.who.Matches(peer) && rule.topics.Matches(topic)) {
      return {rule.allow, rule.name};
    }
  }
  return {default_allow, "default"};
}

bool AccessRules::MayConnect(const PeerCredentials& peer) const {
  return connect.empty() || connect.Matches(peer);
}

}  // namespace kafka_sidecar
