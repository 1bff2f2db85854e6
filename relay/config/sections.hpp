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
// audit.path defaults to state_dir/audit.jsonl, so state_dir must be decoded first.
void decode_audit(decoder& d, const yaml_node& node, const std::filesystem::path& state_dir,
                  audit_settings& out);

}  // namespace kizuna::config
