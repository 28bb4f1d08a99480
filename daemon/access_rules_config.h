// Reads the [access] table of the TOML configuration into AccessRules.
// Main thread (start-up) and loop thread (SIGHUP reload).
//
//   [access]
//   connect_users  = ["billing", 1001]   # absent: anyone may connect
//   connect_groups = ["kafka-producers"]
//   default = "deny"                     # when no rule matches; "allow" when
//                                        # there are no rules, else "deny"
//   [[access.rules]]
//   name   = "billing-topics"
//   action = "allow"                     # or "deny"
//   users  = ["billing"]                 # names or numeric ids; "*": anyone
//   groups = ["finance"]
//   topics = ["invoices", "billing.*"]   # exact names or fnmatch patterns
#ifndef KAFKA_SIDECAR_DAEMON_ACCESS_RULES_CONFIG_H_
#define KAFKA_SIDECAR_DAEMON_ACCESS_RULES_CONFIG_H_

#include <toml++/toml.h>

#include "access_rules.h"
#include "status.h"

namespace kafka_sidecar {

// Unknown keys, unknown user or group names and empty rules are errors that
// name the key.
Status ParseAccessRules(const toml::table& table, AccessRules* out);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_ACCESS_RULES_CONFIG_H_
