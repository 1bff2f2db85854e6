#include "relay/daemon/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "relay/admin/http_server.hpp"
#include "relay/core/log.hpp"
#include "relay/daemon/process_metrics.hpp"
#include "relay/daemon/sd_notify.hpp"
#include "relay/daemon/worker.hpp"
#include "relay/delivery/copy_plan.hpp"
#include "relay/policy/loader.hpp"
#include "relay/store/embedded_redis.hpp"
#include "relay/store/redis_password.hpp"

namespace kizuna::daemon {
namespace asio = boost::asio;

namespace {

constexpr int ex_config = 78;
constexpr int ex_oserr = 71;

// Settings that only take effect at start: a reload that changes them says so.
bool same_restart_settings(const config::settings& a, const config::settings& b) {
  if (a.threads != b.threads || a.state_dir != b.state_dir || a.redis.embedded != b.redis.embedded) return false;
  if (a.listeners.size() != b.listeners.size()) return false;
  if (a.admin_http.has_value() != b.admin_http.has_value() ||
      (a.admin_http && !(a.admin_http->listen == b.admin_http->listen)))
    return false;
  for (std::size_t i = 0; i < a.listeners.size(); ++i)
    if (!(a.listeners[i].address == b.listeners[i].address) || a.listeners[i].proto != b.listeners[i].proto)
      return false;
  return true;
}

// Everything a config snapshot needs besides itself: its policies, TLS
// contexts and credentials, the Redis password. Read and checked once, on the
// main thread; any problem refuses the snapshot (start: exit 78; reload: kept old).
std::expected<runtime_settings, std::vector<std::string>> prepare(config::snapshot cfg) {
  std::vector<std::string> problems;
  runtime_settings rt;
  auto policies = policy::load(cfg->policies);
  if (!policies)
    for (auto& d : policies.error()) problems.push_back(d.to_string());
  auto security = smtp::load_security(*cfg);
  if (!security) problems.push_back(security.error());
  auto password = store::read_redis_password(cfg->redis.password_file);
  if (!password) problems.push_back(password.error());
  if (!problems.empty()) return std::unexpected(std::move(problems));
  for (const auto& w : delivery::personalization_warnings(**policies, *cfg)) log::warning("{}", w);
  rt.cfg = std::move(cfg);
  rt.policies = std::move(*policies);
  rt.security = std::move(*security);
  rt.redis_password = std::move(*password);
  return rt;
}

class server {
 public:
  explicit server(config::snapshot cfg) : cfg_(std::move(cfg)) {}
  ~server() { metrics::bind_this_thread({}); }  // the main thread's shard goes with metrics_

  int run() {
    const auto& cfg = *cfg_;
    std::error_code fec;
    std::filesystem::create_directories(cfg.state_dir, fec);
    if (fec) {
      log::error("state_dir {}: {}", cfg.state_dir.string(), fec.message());
      return ex_oserr;
    }
    endpoint redis_address = cfg.redis.address;
    if (cfg.redis.embedded) {
      auto r = store::embedded_redis::start(cfg.state_dir / "redis", cfg.redis.server_binary);
      if (!r) {
        log::error("embedded redis: {}", r.error());
        return ex_oserr;
      }
      redis_.emplace(std::move(*r));
      redis_address = redis_->address();
      log::info("embedded redis running on {}", redis_address.to_string());
    }
    auto prepared = prepare(cfg_);
    if (!prepared) {
      for (auto& p : prepared.error()) log::error("{}", p);
      return ex_config;
    }
    rt_ = std::move(*prepared);
    redis_address_ = redis_address;
    rt_.redis_address = redis_address;
    // Metrics before any thread starts: each gets its shard, the labels are set.
    // With `metrics: false` no thread gets one: every count is one test of an empty recorder.
    metrics_on_ = cfg.metrics;
    auto new_recorder = [&] { return metrics_on_ ? metrics_.new_thread_recorder() : metrics::recorder{}; };
    metrics::bind_this_thread(new_recorder());  // the main thread counts reloads
    rt_.rule_labels = metrics_.publish_rules(*rt_.policies);
    const auto listener_slots = metrics_.publish_listeners(cfg);
    if (!listener_slots) {
      log::error("{}", listener_slots.error());
      return ex_config;
    }
    audit::writer_options audit_options{cfg.audit.path, cfg.hostname, cfg.audit.fsync_always};
    audit_options.metrics = new_recorder();
    if (metrics_on_) audit_options.on_committed = metrics_.recipient_counter();
    auto audit = audit::log_writer::open(std::move(audit_options));
    if (!audit) {
      log::error("audit log: {}", audit.error());
      return ex_oserr;
    }
    rt_.audit = std::move(*audit);
    rt_.holds = std::make_shared<const delivery::hold_queue>(cfg.state_dir / "hold");
    rt_.signer = std::make_shared<delivery::copy_signer>(cfg.threads);
    metrics_.watch_hold_queue(rt_.holds->dir());
    metrics_.note_loaded_now();
    log::info("policies loaded: {} rules, version {}", rt_.policies->rules.size(), rt_.policies->version.substr(0, 12));

    limits_.set(cfg.limits.max_connections, cfg.limits.max_connections_per_client, cfg.limits.max_refused_connections);
    std::vector<endpoint> addresses;
    for (auto& l : cfg.listeners) addresses.push_back(l.address);
    try {
      for (unsigned i = 0; i < cfg.threads; ++i) {
        workers_.push_back(std::make_unique<worker>(i, limits_, new_recorder(), *listener_slots));
        auto bound = workers_.back()->bind(cfg, addresses);
        if (i == 0) {
          addresses = bound;  // port 0 resolved once; every thread shares the real port
          for (std::size_t l = 0; l < bound.size(); ++l)
            log::info("listening {} on {}", cfg.listeners[l].proto == config::protocol::lmtp ? "lmtp" : "smtp",
                      bound[l].to_string());
        }
      }
    } catch (const std::exception& e) {
      log::error("cannot listen: {}", e.what());
      return ex_oserr;
    }
    if (cfg.admin_http) {
      admin_recorder_ = new_recorder();
      auto admin = admin::http_server::bind(admin_settings());
      if (!admin) {
        log::error("cannot listen: {}", admin.error());
        return ex_oserr;
      }
      admin_ = std::move(*admin);
      log::info("admin http on {}", admin_->local_endpoint().to_string());
    } else if (cfg.unsubscribe) {
      log::warning("unsubscribe is configured without admin_http: this instance does not serve {}/u/",
                   cfg.unsubscribe->base_url);
    }
    for (auto& w : workers_) w->start(rt_);
    if (admin_) admin_->start();

    asio::signal_set signals(main_, SIGTERM, SIGINT, SIGHUP);
    wait_signal(signals);
    asio::steady_timer supervise(main_);
    if (redis_) watch_redis(supervise);

    log::info("kizuna ready: {} threads, downstream {}", cfg.threads,
              cfg.downstream.is_maildir() ? "maildir:" + cfg.downstream.maildir.string()
                                          : cfg.downstream.host + ":" + std::to_string(cfg.downstream.port));
    notify_ready();
    main_.run();

    if (admin_) admin_->join();
    for (auto& w : workers_) w->join();
    rt_.audit->close();
    if (redis_) redis_->stop();
    log::info("kizuna stopped");
    return 0;
  }

 private:
  void wait_signal(asio::signal_set& signals) {
    signals.async_wait([this, &signals](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        wait_signal(signals);
        return;
      }
      log::info("signal {}: draining (up to {} s)", sig, cfg_->limits.drain_timeout_s);
      notify_stopping();
      for (auto& w : workers_) w->stop(std::chrono::seconds(cfg_->limits.drain_timeout_s));
      if (admin_) admin_->stop();
      signals.cancel();
      stopping_ = true;
      main_.stop();  // the main thread now only waits for the workers to drain
    });
  }

  void reload() {
    notify_reloading();
    auto next = config::load(cfg_->source);
    auto refuse = [&](const std::vector<std::string>& problems) {
      for (auto& p : problems) log::error("reload refused: {}", p);
      metrics_.count_reload(false);
      notify_status("reload refused: invalid configuration, previous one kept");
      notify_ready();
    };
    if (!next) {
      std::vector<std::string> problems;
      for (auto& d : next.error()) problems.push_back(d.to_string());
      return refuse(problems);
    }
    // Sockets, threads, state_dir and the embedded Redis are fixed at start:
    // keep them (and say so), take everything else.
    auto merged = std::make_shared<config::settings>(**next);
    if (!same_restart_settings(*cfg_, **next)) {
      log::warning("reload: changes to listen addresses/protocols, admin_http, threads, state_dir and "
                   "redis.embedded take effect only after a restart; the running ones are kept");
      merged->listeners = cfg_->listeners;
      merged->admin_http = cfg_->admin_http;
      merged->threads = cfg_->threads;
      merged->state_dir = cfg_->state_dir;
      merged->redis.embedded = cfg_->redis.embedded;
    }
    auto prepared = prepare(merged);
    if (!prepared) return refuse(prepared.error());
    cfg_ = merged;
    if (!cfg_->redis.embedded) redis_address_ = cfg_->redis.address;
    prepared->redis_address = redis_address_;
    prepared->audit = rt_.audit;  // the audit path and chain stay with the process
    prepared->holds = rt_.holds;
    prepared->signer = rt_.signer;
    prepared->rule_labels = metrics_.publish_rules(*prepared->policies);
    rt_ = std::move(*prepared);
    limits_.set(cfg_->limits.max_connections, cfg_->limits.max_connections_per_client,
                cfg_->limits.max_refused_connections);
    for (auto& w : workers_) w->reload(rt_);
    if (admin_) admin_->reload(admin_settings());
    log::info("reloaded {}", cfg_->source.string());
    metrics_.count_reload(true);
    notify_status("configuration reloaded");
    notify_ready();
  }

  admin::server_settings admin_settings() const {
    return {rt_.cfg, rt_.redis_address, rt_.redis_password, rt_.audit, metrics_on_ ? &metrics_.registry() : nullptr,
            admin_recorder_};
  }

  void watch_redis(asio::steady_timer& t) {
    t.expires_after(std::chrono::seconds(1));
    t.async_wait([this, &t](boost::system::error_code ec) {
      if (ec || stopping_) return;
      if (!redis_->running()) {
        log::warning("embedded redis exited; restarting");
        if (auto r = redis_->ensure_running(); !r) log::error("embedded redis: {}", r.error());
      }
      watch_redis(t);
    });
  }

  // First: every thread (workers, admin, audit writer) counts into it until joined.
  process_metrics metrics_{KIZUNA_VERSION};
  bool metrics_on_ = true;  // config `metrics`, read at start
  metrics::recorder admin_recorder_;
  config::snapshot cfg_;
  runtime_settings rt_;
  asio::io_context main_{1};
  connection_limits limits_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::unique_ptr<admin::http_server> admin_;
  std::optional<store::embedded_redis> redis_;
  endpoint redis_address_;
  bool stopping_ = false;
};

}  // namespace

int serve(config::snapshot cfg) {
  server s(std::move(cfg));
  return s.run();
}

}  // namespace kizuna::daemon
