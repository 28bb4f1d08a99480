#include "access_rules_config.h"

#include <grp.h>
#include <pwd.h>

#include <cstdint>
#include <optional>

namespace kafka_sidecar {
namespace {

std::optional<uint32_t> LookUp(const std::string& name, bool user) {
  char buf[4096];
  if (user) {
    passwd pw;
    passwd* found = nullptr;
    if (getpwnam_r(name.c_str(), &pw, buf, sizeof(buf), &found) == 0 && found)
      return pw.pw_uid;
  } else {
    group gr;
    group* found = nullptr;
    if (getgrnam_r(name.c_str(), &gr, buf, sizeof(buf), &found) == 0 && found)
      return gr.gr_gid;
  }
  return std::nullopt;
}

// Reads ["name", 1001, "*"] into `who`: users when `user`, else groups.
Status ReadPrincipals(const toml::node& node, const std::string& key, bool user,
                      Principals* who) {
  const toml::array* list = node.as_array();
  if (list == nullptr) return Status::Error(key + ": expected an array");
  for (const toml::node& item : *list) {
    std::optional<uint32_t> id;
    if (auto number = item.value<int64_t>(); item.is_integer()) {
      if (*number < 0 || *number > UINT32_MAX - 1)
        return Status::Error(key + ": id " + std::to_string(*number) +
                             " is out of range");
      id = static_cast<uint32_t>(*number);
    } else if (item.is_string()) {
      const std::string name = *item.value<std::string>();
      if (name == "*") {
        who->anyone = true;
        continue;
      }
      id = LookUp(name, user);
      if (!id) {
        return Status::Error(key + ": no " + (user ? "user" : "group") +
                             " named '" + name + "'");
      }
    } else {
      return Status::Error(key + ": expected names or numeric ids");
    }
    (user ? who->uids : who->gids).insert(*id);
  }
  return Status::Ok();
}

Status ReadAction(const toml::node& node, const std::string& key, bool* allow) {
  const auto text = node.value<std::string>();
  if (!node.is_string() || (*text != "allow" && *text != "deny")) {
    return Status::Error(key + ": expected \"allow\" or \"deny\"");
  }
  *allow = *text == "allow";
  return Status::Ok();
}

Status ReadRule(const toml::table& table, const std::string& where,
                AccessRule* rule) {
  for (const auto& [k, node] : table) {
    const std::string key = where + "." + std::string(k.str());
    Status s = Status::Ok();
    if (k == "name") {
      if (!node.is_string()) return Status::Error(key + ": expected a string");
      rule->name = *node.value<std::string>();
    } else if (k == "action") {
      s = ReadAction(node, key, &rule->allow);
    } else if (k == "users" || k == "groups") {
      s = ReadPrincipals(node, key, k == "users", &rule->who);
    } else if (k == "topics") {
      const toml::array* list = node.as_array();
      if (list == nullptr) return Status::Error(key + ": expected an array");
      for (const toml::node& item : *list) {
        if (!item.is_string() || item.value<std::string>()->empty())
          return Status::Error(key + ": expected non-empty strings");
        rule->topics.Add(*item.value<std::string>());
      }
    } else {
      return Status::Error(key + ": unknown setting");
    }
    if (!s.ok()) return s;
  }
  if (rule->who.empty())
    return Status::Error(where + ": names no users or groups");
  if (rule->topics.empty()) return Status::Error(where + ": names no topics");
  if (rule->name.empty()) rule->name = where;
  return Status::Ok();
}

Status ReadRules(const toml::node& node, AccessRules* out) {
  const toml::array* list = node.as_array();
  if (list == nullptr)
    return Status::Error("access.rules: expected [[access.rules]] tables");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = "access.rules[" + std::to_string(i) + "]";
    const toml::table* table = list->get(i)->as_table();
    if (table == nullptr) return Status::Error(where + ": expected a table");
    AccessRule rule;
    if (Status s = ReadRule(*table, where, &rule); !s.ok()) return s;
    out->rules.push_back(std::move(rule));
  }
  return Status::Ok();
}

}  // namespace

Status ParseAccessRules(const toml::table& table, AccessRules* out) {
  *out = AccessRules();
  std::optional<bool> default_allow;
  for (const auto& [k, node] : table) {
    const std::string key = "access." + std::string(k.str());
    Status s = Status::Ok();
    if (k == "connect_users" || k == "connect_groups") {
      s = ReadPrincipals(node, key, k == "connect_users", &out->connect);
    } else if (k == "default") {
      bool allow = true;
      s = ReadAction(node, key, &allow);
      default_allow = allow;
    } else if (k == "rules") {
      s = ReadRules(node, out);
    } else {
      return Status::Error(key + ": unknown setting");
    }
    if (!s.ok()) return s;
  }
  out->default_allow = default_allow.value_or(out->rules.empty());
  return Status::Ok();
}

}  // namespace kafka_sidecar
