// Decoders for the sections of kizuna.yaml (SPEC §3), one per settings struct.
// Each fills `out` from `node`, leaves defaults for absent keys, and reports every
// problem to the decoder; used by load() only.
#pragma once

#include <vector>

#include "relay/config/decoder.hpp"
#include "relay/config/settings.hpp"

namespace kizuna::config {

void decode_listeners(decoder& d, const yaml_node& node, std::vector<listener_settings>& out);
void decode_downstream(decoder& d, const yaml_node& node, downstream_settings& out);
void decode_redis(decoder& d, const yaml_node& node, redis_settings& out);
void decode_limits(decoder& d, const yaml_node& node, limit_settings& out);
void decode_ledger(decoder& d, const yaml_node& node, ledger_config& out);
// audit.path defaults to state_dir/audit.jsonl, so state_dir must be decoded first.
void decode_audit(decoder& d, const yaml_node& node, const std::filesystem::path& state_dir,
                  audit_settings& out);

// listeners are decoded first: admin_http.listen must not take one of their addresses.
void decode_admin_http(decoder& d, const yaml_node& node, const std::vector<listener_settings>& listeners,
                       admin_http_settings& out);
// Reads and checks secret_file too; its problems are reported at their line in it.
void decode_dkim(decoder& d, const yaml_node& node, dkim_settings& out);
void decode_unsubscribe(decoder& d, const yaml_node& node, unsubscribe_settings& out);

}  // namespace kizuna::config
