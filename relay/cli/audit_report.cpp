// `kizuna audit report`: the opt-out enforcement report (SPEC §9) and the summary
// per campaign and category.
//
// --optouts loads every opt-out from Redis into memory (audit/report.hpp
// optout_index: about 100 bytes per address and scope, so 1M opt-outs take about
// 100 MB), then streams the log once. Keys are found with SCAN MATCH (COUNT 1000),
// and the HGETALLs of one page travel with the next SCAN: one round trip per page.
// Addresses in keys are normalized again (a CRM sync may have written
// "Alice@Example.com", which the relay never matched: its deliveries must show).
// A value that does not decode is taken strictly, as opted out since the epoch.
#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "relay/audit/chain_files.hpp"
#include "relay/audit/query.hpp"
#include "relay/audit/reader.hpp"
#include "relay/audit/report.hpp"
#include "relay/cli/audit_commands.hpp"
#include "relay/cli/redis_session.hpp"
#include "relay/core/address.hpp"
#include "relay/core/optout_entry.hpp"

namespace kizuna::cli::audit_cli {
namespace asio = boost::asio;

namespace {

constexpr std::string_view report_help =
    "usage: kizuna audit report --optouts --config FILE [--log PATH]\n"
    "       kizuna audit report --summary [--config FILE | --log PATH] [--since T] [--until T]\n"
    "                           [--format table|json]\n"
    "\n"
    "--optouts   the opt-out enforcement report. Reads every opt-out from Redis\n"
    "            (<prefix>optout:{ADDRESS} and <prefix>optout-domain:DOMAIN), then every\n"
    "            record of the audit log, and lists each delivered copy (downstream reply\n"
    "            2xx to a relayed or released copy), and each copy possibly delivered (the\n"
    "            final \".\" went out and no reply came, or a relay intent has no outcome:\n"
    "            marked delivery=possible), sent to an opted-out address, or to any\n"
    "            address of an opted-out domain, after the opt-out's time, for scope * (any\n"
    "            category, transactional ones too) or the copy's own category. One line per\n"
    "            copy:\n"
    "              ADDRESS scope=S opted_out_at=T delivered_at=T rcpt=A campaign=C category=C message_id=M\n"
    "            (ADDRESS is @DOMAIN for a domain opt-out; empty values as \"\"), then\n"
    "            'N deliveries after opt-out'. '0 deliveries after opt-out' is the proof.\n"
    "            Needs --config for Redis; --log reads another log than audit.path.\n"
    "\n"
    "--summary   per campaign and category: relayed (downstream said 2xx, releases\n"
    "            included), failed (downstream refused), dropped, rejected, deferred,\n"
    "            held and discarded decisions; deferrals per rule; per campaign and per\n"
    "            category the relayed copies, the unsubscribes and the unsubscribe rate\n"
    "            (配信停止率 = unsubscribes / relayed). An unsubscribe counts for the\n"
    "            campaign and category of the copy whose link was used (links made before\n"
    "            campaigns were carried: the category only); a repeat for a scope already\n"
    "            opted out (rule builtin:already-opted-out) is no unsubscribe. Other counts\n"
    "            are records: a copy deferred twice counts twice. --since/--until (RFC 3339, a date or epoch seconds; since <= ts <\n"
    "            until) limit the records counted. --format json: one JSON object.\n"
    "\n"
    "Lines of the log that are not records are reported on stderr and make the exit\n"
    "status 1: a report over an incomplete log proves nothing.\n"
    "Exit status: 0 done (--optouts: no delivery after an opt-out), 1 deliveries after\n"
    "opt-out, or the log missing or unreadable, 64 usage, 69 Redis unreachable,\n"
    "74 cannot write the output, 78 invalid configuration.\n";

struct optout_loader {
  audit::optout_index& index;
  std::uint64_t keys = 0;
  std::uint64_t bad_keys = 0;

  void add(std::string_view key, std::string_view head, bool domain, const store::redis_value& hash) {
    std::string_view subject = key.substr(head.size());
    if (!domain) {
      if (subject.size() < 2 || subject.back() != '}') return;  // not an opt-out key (e.g. "optout:{x}y")
      subject.remove_suffix(1);
    }
    if (hash.is_error()) {
      std::fprintf(stderr, "kizuna audit report: %.*s: %s (skipped)\n", int(key.size()), key.data(), hash.str.c_str());
      ++bad_keys;
      return;
    }
    ++keys;
    std::string name(subject);
    if (!looks_normalized(name)) {
      auto n = domain ? normalize_domain(name) : normalize_address(name);
      if (n) name = std::move(*n);
    }
    for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
      const std::string& scope = hash.elements[i].str;
      auto e = decode_optout_entry(hash.elements[i + 1].str);
      std::int64_t at = 0;
      if (e) {
        at = e->at;
      } else {
        std::fprintf(stderr,
                     "kizuna audit report: %.*s scope %s: malformed value (%s): taken as opted out since %s\n",
                     int(key.size()), key.data(), scope.c_str(), e.error().c_str(), audit::format_epoch(0).c_str());
      }
      if (domain) index.add_domain(name, scope, at);
      else index.add_address(name, scope, at);
    }
  }
};

asio::awaitable<int> load_kind(redis_session& s, optout_loader& loader, bool domain) {
  const std::string head = s.prefix() + (domain ? "optout-domain:" : "optout:{");
  co_return co_await s.for_each_hash(head, [&](const std::string& key, const store::redis_value& hash) {
    loader.add(key, head, domain, hash);
    return 0;
  });
}

asio::awaitable<int> load_task(redis_session& s, optout_loader& loader) {
  if (int rc = co_await load_kind(s, loader, false); rc != 0) co_return rc;
  co_return co_await load_kind(s, loader, true);
}

int write_failed(output& out) {
  if (out.flush()) return 0;
  std::fprintf(stderr, "kizuna audit report: cannot write the output: %s\n", std::strerror(errno));
  return ex_ioerr;
}

int optouts_report(const options& o) {
  if (!o.config) return usage("report", "--optouts needs --config FILE (for Redis)");
  if (o.last("--since") || o.last("--until") || o.last("--format"))
    return usage("report", "--since, --until and --format apply to --summary");
  auto cfg = load_config(*o.config);
  if (!cfg) return cfg.error();
  const std::filesystem::path live = o.log ? std::filesystem::path(*o.log) : (*cfg)->audit.path;
  // No log is an error before anything is loaded.
  if (auto files = audit::chain_files(live); !files || files->empty()) {
    std::fprintf(stderr, "kizuna audit report: %s\n",
                 files ? ("no audit log at " + live.string()).c_str() : files.error().c_str());
    return 1;
  }

  audit::optout_index index;
  optout_loader loader{index};
  {
    auto session = redis_session::open(**cfg, "kizuna audit report");
    if (!session) return session.error();
    if (int rc = (*session)->run(load_task(**session, loader)); rc != 0) return rc;
  }

  output out;
  std::uint64_t violations = 0;
  problem_printer problems("kizuna audit report");
  audit::pending_copies pending;
  auto stats = audit::scan_chain(
      live,
      [&](const audit::stored_record& r) {
        pending.add(r);
        if (auto m = index.violated_by(r)) {
          ++violations;
          out.write(audit::format_violation(r, *m));
          out.write("\n");
        }
      },
      std::ref(problems));
  // A copy whose intent has no outcome may have been delivered (the relay stopped while sending it).
  for (const audit::stored_record& r : pending.left())
    if (auto m = index.violated_by_copy(r)) {
      ++violations;
      out.write(audit::format_violation(r, *m));
      out.write("\n");
    }
  if (!stats) {
    if (int rc = write_failed(out)) return rc;
    std::fprintf(stderr, "kizuna audit report: %s\n", stats.error().c_str());
    return 1;
  }
  out.write(std::to_string(violations) + (violations == 1 ? " delivery" : " deliveries") + " after opt-out\n");
  if (int rc = write_failed(out)) return rc;
  if (loader.bad_keys > 0)
    std::fprintf(stderr, "kizuna audit report: %llu opt-out keys could not be read: the report is incomplete\n",
                 static_cast<unsigned long long>(loader.bad_keys));
  if (stats->unreadable > 0)
    std::fprintf(stderr, "kizuna audit report: %llu lines of the log are not records: the report is incomplete\n",
                 static_cast<unsigned long long>(stats->unreadable));
  return violations > 0 || stats->unreadable > 0 || loader.bad_keys > 0 ? 1 : 0;
}

int summary_report(const options& o) {
  if (o.config && o.log) return usage("report", "give --config or --log, not both");
  if (!o.config && !o.log) return usage("report", "--config FILE or --log PATH is required");
  audit::query_filter filter;
  for (const char* name : {"--since", "--until"}) {
    if (auto v = o.last(name)) {
      auto t = audit::parse_time_argument(*v);
      if (!t) return usage("report", std::string(name) + ": " + t.error());
      (std::string_view(name) == "--since" ? filter.since : filter.until) = *t;
    }
  }
  if (filter.since && filter.until && *filter.since > *filter.until)
    return usage("report", "--since is after --until");
  const std::string format = o.last("--format").value_or("table");
  if (format != "table" && format != "json") return usage("report", "--format must be table or json");

  std::filesystem::path live;
  if (o.config) {
    auto cfg = load_config(*o.config);
    if (!cfg) return cfg.error();
    live = (*cfg)->audit.path;
  } else {
    live = *o.log;
  }

  audit::summary sum;
  problem_printer problems("kizuna audit report");
  auto stats = audit::scan_chain(
      live,
      [&](const audit::stored_record& r) {
        if (filter.matches(r)) sum.add(r);
      },
      std::ref(problems));
  if (!stats) {
    std::fprintf(stderr, "kizuna audit report: %s\n", stats.error().c_str());
    return 1;
  }
  output out;
  out.write(format == "json" ? sum.json() : sum.table());
  if (int rc = write_failed(out)) return rc;
  if (stats->unreadable > 0) {
    std::fprintf(stderr, "kizuna audit report: %llu lines of the log are not records: the counts are incomplete\n",
                 static_cast<unsigned long long>(stats->unreadable));
    return 1;
  }
  return 0;
}

}  // namespace

int report_command(const arguments& args) {
  static const std::vector<std::string_view> value_names = {"--since", "--until", "--format"};
  static const std::vector<std::string_view> flag_names = {"--optouts", "--summary"};
  auto o = parse(args, value_names, flag_names);
  if (!o) return usage("report", o.error());
  if (o->help) return std::fputs(report_help.data(), stdout), 0;
  const bool optouts = o->has("--optouts"), summary = o->has("--summary");
  if (optouts == summary) return usage("report", "give --optouts or --summary");
  return optouts ? optouts_report(*o) : summary_report(*o);
}

}  // namespace kizuna::cli::audit_cli
