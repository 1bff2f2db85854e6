// `kizuna audit query`: the records of the audit log that match every filter given,
// as stored (JSON Lines) or as a table. Streams the chain (rotated files, then the
// live one) one line at a time: constant memory whatever the log's size.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "relay/audit/query.hpp"
#include "relay/audit/reader.hpp"
#include "relay/cli/audit_commands.hpp"
#include "relay/core/address.hpp"

namespace kizuna::cli::audit_cli {
namespace {

constexpr std::string_view query_help =
    "usage: kizuna audit query [--config FILE | --log PATH] [filters] [--format jsonl|table]\n"
    "\n"
    "Prints the audit records that match every filter given, oldest first, reading the\n"
    "rotated files PATH.<time>.<seq> in seq order, then PATH itself. The log is audit.path\n"
    "from --config, or PATH from --log. A filter given twice matches either value\n"
    "(--since and --until: the last one counts).\n"
    "\n"
    "filters:\n"
    "  --rcpt ADDR        the recipient (normalized first, as the relay does: trimmed,\n"
    "                     lower-cased, IDN domain to punycode)\n"
    "  --campaign ID      the campaign id (X-Kizuna-Campaign)\n"
    "  --decision D       relay, drop, reject, defer, hold, unsubscribe, release, discard or bounce\n"
    "  --rule R           the deciding rule's id (e.g. builtin:optout, newsletter-cap)\n"
    "  --since T          records at or after T\n"
    "  --until T          records before T\n"
    "                     T: RFC 3339 (2026-11-22T15:04:05Z, 2026-11-22T09:00:00+09:00),\n"
    "                     a date (2026-11-22, 00:00 UTC) or Unix epoch seconds\n"
    "\n"
    "output:\n"
    "  --format jsonl     each matching record exactly as stored, one per line (default)\n"
    "  --format table     fixed-width columns: ts, decision, rcpt, campaign, category, rule,\n"
    "                     downstream reply (long values cut with \xE2\x80\xA6)\n"
    "\n"
    "Nothing matching prints nothing. The hash chain is not checked here: run\n"
    "'kizuna audit verify' for that. Lines that are not records are reported on stderr\n"
    "as file:line and skipped.\n"
    "Exit status: 0 done (matches or not), 1 log missing or unreadable (or some lines\n"
    "not records), 64 usage, 74 cannot write the output, 78 invalid configuration.\n";

}  // namespace

int query_command(const arguments& args) {
  static const std::vector<std::string_view> value_names = {"--rcpt",  "--campaign", "--decision", "--rule",
                                                            "--since", "--until",    "--format"};
  auto o = parse(args, value_names, {});
  if (!o) return usage("query", o.error());
  if (o->help) return std::fputs(query_help.data(), stdout), 0;
  if (o->config && o->log) return usage("query", "give --config or --log, not both");
  if (!o->config && !o->log) return usage("query", "--config FILE or --log PATH is required");

  audit::query_filter filter;
  for (const auto& v : o->all("--rcpt")) {
    auto a = normalize_address(v);
    if (!a) return usage("query", "--rcpt '" + v + "': " + a.error());
    filter.rcpts.push_back(std::move(*a));
  }
  filter.campaigns = o->all("--campaign");
  filter.rules = o->all("--rule");
  for (const auto& v : o->all("--decision")) {
    auto d = audit::parse_action(v);
    if (!d)
      return usage("query", "--decision '" + v +
                                "': not one of relay, drop, reject, defer, hold, unsubscribe, release, discard, bounce");
    filter.decisions.push_back(*d);
  }
  for (const char* name : {"--since", "--until"}) {
    if (auto v = o->last(name)) {
      auto t = audit::parse_time_argument(*v);
      if (!t) return usage("query", std::string(name) + ": " + t.error());
      (std::string_view(name) == "--since" ? filter.since : filter.until) = *t;
    }
  }
  if (filter.since && filter.until && *filter.since > *filter.until)
    return usage("query", "--since is after --until");
  const std::string format = o->last("--format").value_or("jsonl");
  if (format != "jsonl" && format != "table") return usage("query", "--format must be jsonl or table");
  const bool table = format == "table";

  std::filesystem::path live;
  if (o->config) {
    auto cfg = load_config(*o->config);
    if (!cfg) return cfg.error();
    live = (*cfg)->audit.path;
  } else {
    live = *o->log;
  }

  output out;
  bool header_done = false;
  problem_printer problems("kizuna audit query");
  auto stats = audit::scan_chain(
      live,
      [&](const audit::stored_record& r) {
        if (!filter.matches(r)) return;
        if (!table) {
          out.write(r.line);
          out.write("\n");
          return;
        }
        if (!std::exchange(header_done, true)) out.write(audit::table_header());
        out.write(audit::table_row(r));
      },
      std::ref(problems));
  if (!out.flush()) {
    std::fprintf(stderr, "kizuna audit query: cannot write the output: %s\n", std::strerror(errno));
    return ex_ioerr;
  }
  if (!stats) {
    std::fprintf(stderr, "kizuna audit query: %s\n", stats.error().c_str());
    return 1;
  }
  if (stats->unreadable > 0) {
    std::fprintf(stderr, "kizuna audit query: %llu lines of the log are not records: the result may be incomplete\n",
                 static_cast<unsigned long long>(stats->unreadable));
    return 1;
  }
  return 0;
}

}  // namespace kizuna::cli::audit_cli
