// bazaar-market: the Bazaar market gRPC service over a Redis-protocol store.
// See market/README.md for flags, errors and modes.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "market/admin_service.h"
#include "market/auth.h"
#include "market/chaos_store.h"
#include "market/config.h"
#include "market/event_hub.h"
#include "market/health.h"
#include "market/log.h"
#include "market/market_ops.h"
#include "market/metrics.h"
#include "market/reaper.h"
#include "market/redis_store.h"
#include "market/service.h"
#include "market/stats.h"
#include "market/transport_security.h"
#include "resp/async_loop.h"
#include "resp/async_pool.h"
#include "resp/cluster.h"
#include "resp/sentinel_resolver.h"

namespace bazaar::market {
namespace {

std::chrono::milliseconds ToMs(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

int Run(int argc, char** argv) {
  // SIGTERM/SIGINT (stop) and SIGHUP (re-read the API keys) are taken by sigwait() below; block
  // them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto config = LoadConfig(argc, argv);
  if (!config.ok()) {
    fprintf(stderr, "bazaar-market: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  SetLogLevel(config->log_level);
  auto credentials = ServerCredentialsFor(config->transport);
  if (!credentials.ok()) {
    fprintf(stderr, "bazaar-market: %s\n", std::string(credentials.status().message()).c_str());
    return 2;
  }
  if (config->transport.plaintext) {
    BAZAAR_LOG(WARNING) << "--plaintext: gRPC without TLS; anyone on the network path reads and "
                           "changes calls, API keys included";
  }
  auto auth = Authenticator::Load(config->api_keys);
  if (!auth.ok()) {
    fprintf(stderr, "bazaar-market: %s\n", std::string(auth.status().message()).c_str());
    return 2;
  }
  if ((*auth)->enabled()) {
    BAZAAR_LOG(INFO) << "API keys: " << (*auth)->size() << " from " << config->api_keys;
  } else {
    BAZAAR_LOG(WARNING) << "no --api_keys: every caller may make every call, admin ones included";
  }
  // A cluster store: the market's keys share one hash tag, so one slot, whose primary the
  // resolver finds and follows (MOVED).
  std::unique_ptr<client::ClusterResolver> cluster;
  if (absl::StartsWith(config->store, "cluster://")) {
    auto seeds =
        client::ClusterResolver::ParseSeeds(config->store, ToMs(config->store_connect_timeout));
    std::string problem = seeds.ok() ? "" : std::string(seeds.status().message());
    if (seeds.ok() && !client::HasHashTag(config->market.key_prefix)) {
      problem =
          "a cluster store needs --key_prefix with a hash tag, e.g. {realm1}:, so that "
          "every key of the market is in one slot";
    }
    if (seeds.ok() && !config->sentinels.empty()) {
      problem = "--sentinels and a cluster:// store exclude each other";
    }
    if (!problem.empty()) {
      fprintf(stderr, "bazaar-market: %s\n", problem.c_str());
      return 2;
    }
    for (auto& seed : *seeds) {
      seed.password = config->store_password;
      seed.user = config->store_user;
    }
    cluster = std::make_unique<client::ClusterResolver>(*seeds,
                                                        client::KeySlot(config->market.key_prefix));
  }
  client::PoolOptions pool_options;
  if (cluster == nullptr) {  // else the resolver names the node (below)
    auto store_address = client::ParseAddress(config->store);
    if (!store_address.ok()) {
      fprintf(stderr, "bazaar-market: %s\n",
              std::string(store_address.status().message()).c_str());
      return 2;
    }
    pool_options.connection = *store_address;
  }
  pool_options.connection.connect_timeout = ToMs(config->store_connect_timeout);
  pool_options.connection.command_timeout = ToMs(config->store_command_timeout);
  pool_options.connection.password = config->store_password;
  pool_options.connection.user = config->store_user;
  pool_options.size = config->threads;
  pool_options.reconnect_backoff_max = ToMs(config->reconnect_backoff_max);
  // Sentinel mode: every new store connection goes where the sentinels say the primary is; a
  // failed or refused (READONLY) connection makes the pool ask again.
  std::unique_ptr<client::SentinelResolver> resolver;
  if (!config->sentinels.empty()) {
    auto sentinels =
        client::ParseAddressList(config->sentinels, ToMs(config->store_connect_timeout));
    if (!sentinels.ok()) {
      fprintf(stderr, "bazaar-market: %s\n", std::string(sentinels.status().message()).c_str());
      return 2;
    }
    resolver = std::make_unique<client::SentinelResolver>(*sentinels, config->sentinel_master);
  }
  // With either resolver, the pool asks it before each new connection and puts it in doubt
  // when one fails.
  auto follow = [&pool_options](auto* r, const char* what) {
    auto first = r->Resolve(pool_options.connection);
    if (first.ok()) {
      pool_options.connection = *first;
    } else {
      BAZAAR_LOG(WARNING) << what << ": " << first.status().message();
    }
    pool_options.address = [r, base = pool_options.connection] { return r->Resolve(base); };
    pool_options.address_in_doubt = [r] { r->Invalidate(); };
  };
  if (resolver != nullptr) follow(resolver.get(), "sentinels");
  if (cluster != nullptr) follow(cluster.get(), "cluster");
  const bool follows_primary = resolver != nullptr || cluster != nullptr;
  // Every store round trip, retry wait and call completion runs on this one loop thread.
  client::AsyncLoop loop;
  auto pool = std::make_unique<client::AsyncPool>(&loop, pool_options);
  // Set once each exists; the resolver's change callback may run on their threads.
  std::atomic<EventHub*> hub_ptr{nullptr};
  std::atomic<StoreHealthMonitor*> health_ptr{nullptr};
  std::unique_ptr<StoreHealthMonitor> health;
  // The market's slot moved (a MOVED named its new primary, or a lookup found it there after a
  // reshard or a cluster failover): every part that talks to the store goes there.
  MovedHook moved;
  if (cluster != nullptr) {
    moved = [c = cluster.get()](const client::Redirect& r) { c->Moved(r); };
    cluster->OnChange([&](const std::string& host, int port) {
      BAZAAR_LOG(WARNING) << "cluster: slot " << cluster->slot() << " is now served by " << host
                          << ":" << port;
      pool->AddressChanged();
      if (EventHub* h = hub_ptr.load()) h->AddressChanged();
      if (StoreHealthMonitor* m = health_ptr.load()) m->AddressChanged();
    });
  }
  RedisStore store(pool.get(), config->replica_acks, moved);
  // Fault injection wraps the store only when asked for (tests and drills).
  ChaosStore chaos(&store, &store, config->chaos);
  MarketOps ops(config->chaos.any() ? static_cast<Store*>(&chaos) : &store, &store,
                config->market);
  Stats stats;
  // The buckets live in the store, beside the market's keys, and are shared with its other
  // processes; fault injection does not apply to them.
  RateLimiter limiter(&store, &ops.keys(), config->rate_limits);

  MarketServiceImpl service(
      &ops, &stats,
      [&] {
        return StoreStatus{health != nullptr && health->up(), pool->reconnects()};
      },
      auth->get(), &limiter);

  // WatchEvents: one store connection for every watcher of this process.
  EventHub hub(pool_options.connection, ops.keys().Events());
  hub_ptr = &hub;  // before Start: the hub's thread may be the one to see a move
  if (follows_primary) hub.SetAddressSource(pool_options.address);
  if (moved) hub.SetMovedHook(moved);
  hub.Start();
  service.SetEventHub(&hub, static_cast<size_t>(config->watch_queue_limit));

  // Prometheus /metrics on its own address: the Stats counters, for operators.
  const absl::Time started = absl::Now();
  std::unique_ptr<MetricsServer> metrics;
  if (!config->metrics_listen.empty()) {
    auto server = MetricsServer::Start(config->metrics_listen, [&] {
      return PrometheusText(
          stats.Snapshot(),
          StoreStatus{health != nullptr && health->up(), pool->reconnects(), pool->gauges()},
          absl::ToDoubleSeconds(absl::Now() - started));
    });
    if (!server.ok()) {
      BAZAAR_LOG(ERROR) << server.status().message();
      return 2;
    }
    metrics = std::move(*server);
    BAZAAR_LOG(INFO) << "metrics on " << config->metrics_listen << " (port " << metrics->port()
                     << "), GET /metrics";
  }

  // Expired stack listings go back to their sellers (safe with any number of processes).
  Reaper reaper(&ops, config->reap_interval);
  if (config->reap_interval > absl::ZeroDuration()) reaper.Start();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config->listen, *credentials, &bound_port);
  // gRPC turns SO_REUSEPORT on by default: two markets could then share a port and split its
  // connections. A port in use must be an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("bazaar-market");
  quota.SetMaxThreads(config->max_rpc_threads);
  builder.SetResourceQuota(quota);
  builder.RegisterService(&service);
  MarketAdminImpl admin(&service);
  builder.RegisterService(&admin);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    BAZAAR_LOG(ERROR) << "cannot listen on " << config->listen;
    return 1;
  }

  grpc::HealthCheckServiceInterface* health_service = server->GetHealthCheckService();
  health = std::make_unique<StoreHealthMonitor>(
      pool_options.connection, pool.get(), config->health_interval, [&](bool up) {
        if (health_service == nullptr) return;
        health_service->SetServingStatus(up);
        health_service->SetServingStatus("bazaar.market.v1.Market", up);
        health_service->SetServingStatus("bazaar.market.v1.MarketAdmin", up);
      });
  if (follows_primary) health->SetAddressSource(pool_options.address);
  health_ptr = health.get();
  health->Start();
  if (resolver != nullptr) {
    // A failover is followed when the sentinels announce it, not when the old primary (which
    // may come back as a replica at the same address) fails a call.
    resolver->Follow([&](const std::string& host, int port) {
      BAZAAR_LOG(WARNING) << "sentinels: the primary of " << config->sentinel_master << " is now "
                          << host << ":" << port;
      pool->AddressChanged();
      hub.AddressChanged();
      health->AddressChanged();
    });
  }
  if (config->market.mode == ContentionMode::kScript) {
    // Front-loads the library; a store that is down now gets it on the first call instead.
    CallOptions load;
    load.deadline = absl::Now() + absl::Seconds(2);
    CallTrace trace;
    auto loaded = ops.LoadScripts(load, &trace);
    if (loaded.ok()) {
      BAZAAR_LOG(INFO) << "script mode: library bazaar_market_v2 loaded";
    } else {
      BAZAAR_LOG(WARNING) << "script mode: FUNCTION LOAD failed (" << loaded.status()
                          << "); calls will load it when the store answers";
    }
  }

  BAZAAR_LOG(INFO) << "bazaar-market listening on " << config->listen << " (port " << bound_port
                   << "), store "
                   << (resolver ? "via sentinels " + config->sentinels + " (" +
                                      pool_options.connection.host + ":" +
                                      std::to_string(pool_options.connection.port) + ")"
                       : cluster ? config->store + " (slot " + std::to_string(cluster->slot()) +
                                       " at " + pool_options.connection.host + ":" +
                                       std::to_string(pool_options.connection.port) + ")"
                                 : config->store)
                   << ", mode " << ContentionModeName(config->market.mode) << ", pool "
                   << config->threads << ", key prefix '" << config->market.key_prefix
                   << "', store " << (health->up() ? "up" : "DOWN");
  if (config->chaos.skip_watch) {
    BAZAAR_LOG(WARNING) << "FAULT INJECTION (tests only): transactions skip WATCH; double sales "
                           "will break the invariants";
  }
  if (config->chaos.conflict_rate > 0) {
    BAZAAR_LOG(WARNING) << "fault injection: " << config->chaos.conflict_rate
                        << " of EXECs become watch conflicts";
  }

  absl::Notification stop_logging;
  std::thread stats_thread([&] {
    if (config->stats_interval <= absl::ZeroDuration()) return;
    while (!stop_logging.WaitForNotificationWithTimeout(config->stats_interval)) {
      BAZAAR_LOG(INFO) << "stats: store " << (health->up() ? "up" : "DOWN") << ", "
                       << stats.LogLineSinceLast();
    }
  });

  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    if (!(*auth)->enabled()) continue;
    if (absl::Status s = (*auth)->Reload(); s.ok()) {
      BAZAAR_LOG(INFO) << "SIGHUP: API keys re-read, " << (*auth)->size() << " keys";
    } else {
      BAZAAR_LOG(ERROR) << "SIGHUP: " << s.message() << "; the old keys stay";
    }
  }
  BAZAAR_LOG(INFO) << "signal " << sig << ": shutting down, in-flight calls have "
                   << absl::FormatDuration(config->shutdown_grace);
  if (health_service != nullptr) health_service->Shutdown();
  if (resolver != nullptr) resolver->StopFollowing();  // it tells the pool, hub and probe
  // Watchers never end by themselves: they are ended first (UNAVAILABLE with the id to resume
  // from), so that they do not hold the shutdown back.
  hub.Stop();
  reaper.Stop();
  // New calls are refused while the ones in progress finish; then the server stops at once
  // (a Shutdown with time left would also wait for idle client connections to go away).
  if (!service.Drain(config->shutdown_grace)) {
    BAZAAR_LOG(WARNING) << "calls still in progress after the grace period are cancelled "
                           "(their transactions end within their retry budget)";
  }
  server->Shutdown(std::chrono::system_clock::now());
  stop_logging.Notify();
  stats_thread.join();
  metrics.reset();  // its source reads health and the pool
  health.reset();
  // Shutdown waited for every call, so no store work is left; the pool belongs to the loop's
  // thread and is closed there, before the loop stops.
  absl::Notification pool_closed;
  loop.Post([&] {
    pool.reset();
    pool_closed.Notify();
  });
  pool_closed.WaitForNotification();
  int64_t calls = 0, ok = 0;
  for (const MethodSnapshot& m : stats.Snapshot()) {
    calls += m.calls;
    ok += m.ok;
  }
  BAZAAR_LOG(INFO) << "stopped after " << calls << " calls (" << ok << " ok)";
  return 0;
}

}  // namespace
}  // namespace bazaar::market

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex lock (ours and gRPC's) would also
  // run deadlock detection, a few percent of the market's CPU in a profile; we do not need it in
  // production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return bazaar::market::Run(argc, argv);
}
