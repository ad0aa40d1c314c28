// SPDX-License-Identifier: Apache-2.0
#include "policy/rego_authorizer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <vector>

#include "base/file.h"
#include "base/hash.h"
#include "base/log.h"
#include "policy/decision.h"
#include "policy/decision_log.h"
#include "policy/input_builder.h"
#include "policy/metrics.h"
#include "rego/value/arena.h"

namespace meshgate::policy {

namespace fs = std::filesystem;
using filters::authz::CustomCheck;
using filters::authz::CustomDecision;

namespace {

// What a bundle directory holds, hashed: sorted relative names and contents.
base::Result<std::string> hashBundle(const std::string& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    return base::Error{"bundle " + directory + ": not a directory", 0, base::ErrorSource::Config};
  }
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(directory, fs::directory_options::follow_directory_symlink,
                                      ec);
  // Bounded: a bundle directory with more entries than this is not a bundle.
  constexpr size_t kMaxEntries = 100000;
  for (size_t n = 0; !ec && it != fs::recursive_directory_iterator() && n < kMaxEntries; ++n) {
    if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), directory, ec).string());
    it.increment(ec);
  }
  if (ec) return base::Error{"bundle " + directory + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  uint64_t h = 0x6d6573686761746full;
  for (const std::string& f : files) {
    auto content = base::readFile(directory + "/" + f);
    if (!content.ok()) return std::move(content).error();
    h = base::xxHash64(f, h);
    h = base::xxHash64(*content, h);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string(hex);
}

struct BundleSlot {
  std::shared_ptr<const CompiledBundle> bundle;
  std::string error;
};

// The revision gauge of each provider: the series set to 1, so that the
// previous one can be set back to 0 when a new revision is compiled.
struct BundleInfo {
  std::mutex mu;
  std::map<std::string, metrics::SeriesId> current;
};

std::string uuid4(uint64_t a, uint64_t b) {
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(
      buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
      static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>((a >> 16) & 0xFFFF),
      static_cast<unsigned long long>(a & 0xFFFF), static_cast<unsigned long long>(b >> 48),
      static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

const std::vector<double>& evalBuckets() {
  static const std::vector<double> b = {1e-6,   2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4,
                                        2.5e-4, 5e-4,   1e-3, 1e-2, 0.1,    1.0};
  return b;
}

// PolicyProvider names are global (AuthorizationPolicy.provider.name has no namespace).
std::string qualifiedName(const config::PolicyProvider& p) {
  return p.meta.name;
}

void count(filter_api::FilterContext& ctx, metrics::SeriesId id) {
  if (id.valid()) ctx.metrics().inc(id);
}

class RegoAuthorizer final : public filters::authz::CustomAuthorizer {
 public:
  struct Series {
    metrics::SeriesId allow, deny, error;
    metrics::HistogramId duration;
  };

  RegoAuthorizer(std::shared_ptr<const CompiledBundle> bundle, rego::DecisionPath path,
                 std::string provider, Series series, rego::EvalOptions options,
                 std::shared_ptr<const DecisionLogger> log, std::shared_ptr<void> keep_alive)
      : bundle_(std::move(bundle)),
        path_(std::move(path)),
        provider_(std::move(provider)),
        series_(series),
        options_(std::move(options)),
        log_(std::move(log)),
        keep_alive_(std::move(keep_alive)) {}

  CustomDecision check(const CustomCheck& check) const override {
    // One evaluator per worker thread: plans are shared, evaluators are not.
    thread_local rego::Evaluator evaluator;
    // The input is built in the thread's arena and released when the decision
    // has been read and logged: `release` is declared before every value of
    // the decision, so it runs after they are gone. Nothing of the input
    // outlives check(): the decision copies what it keeps, the evaluator's
    // memo copies out of the arena, and the decision log is formatted here.
    thread_local rego::ValueArena arena;
    struct ResetOnExit {
      rego::ValueArena& arena;
      ~ResetOnExit() { arena.reset(); }
    } release{arena};
    filter_api::FilterContext& ctx = check.ctx;
    const auto start = std::chrono::steady_clock::now();
    const base::SystemTime now = ctx.clock().systemNow();

    BodyCapture body;
    if (check.provider.include_request_body) {
      body.enabled = true;
      body.bytes = check.body;
      body.truncated = check.body_truncated;
      body.pack_as_bytes = check.provider.include_request_body->pack_as_bytes;
    }

    CustomDecision decision;
    rego::Value input;
    rego::Value result;
    auto built = buildInput(ctx, body, now, &arena);
    if (!built.ok()) {
      decision.message = "input: " + built.error().message;
    } else {
      input = std::move(*built);
      auto evaluated = evaluator.evalPath(*bundle_->bundle.plan, path_.keys(), input, options_);
      if (!evaluated.ok()) {
        decision.message = rego::describeErrors(evaluated.errors());
      } else {
        result = std::move(*evaluated);
        auto parsed = parseDecision(result);
        if (parsed.ok()) {
          decision = std::move(*parsed);
        } else {
          decision.message = parsed.error().message;
        }
      }
    }
    const uint64_t eval_ns =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());

    std::string_view outcome;
    switch (decision.result) {
      case CustomDecision::Result::Allow:
        outcome = "allow";
        count(ctx, series_.allow);
        break;
      case CustomDecision::Result::Deny:
        outcome = "deny";
        count(ctx, series_.deny);
        break;
      case CustomDecision::Result::Error:
        outcome = "error";
        count(ctx, series_.error);
        break;
    }
    if (series_.duration.valid()) {
      ctx.metrics().observe(series_.duration, static_cast<double>(eval_ns) * 1e-9);
    }

    if (log_) {
      const std::string decision_id = uuid4(ctx.random(), ctx.random());
      DecisionRecord r;
      r.time = now;
      r.decision_id = decision_id;
      r.request_id = ctx.stream().request_id;
      r.provider = provider_;
      r.path = check.provider.decision_path;
      r.revision = bundle_->revision;
      r.result = &result;
      r.decision = outcome;
      r.error = decision.result == CustomDecision::Result::Error
                    ? std::string_view(decision.message)
                    : std::string_view();
      r.eval_ns = eval_ns;
      r.input = input.isDefined() ? &input : nullptr;
      r.dry_run = check.dry_run;
      log_->log(ctx.loop(), r);
    }
    return decision;
  }

 private:
  std::shared_ptr<const CompiledBundle> bundle_;
  rego::DecisionPath path_;
  std::string provider_;
  Series series_;
  rego::EvalOptions options_;
  std::shared_ptr<const DecisionLogger> log_;
  std::shared_ptr<void> keep_alive_;
};

base::Result<std::shared_ptr<LogSink>> openSink(const config::PolicyProvider& p,
                                                filter_api::SharedState* shared) {
  using Target = config::AccessLog::Target;
  switch (p.decision_log.target) {
    case Target::Off:
      return std::shared_ptr<LogSink>();
    case Target::Stdout:
      return LogSink::forFd(1, "stdout");
    case Target::Stderr:
      return LogSink::forFd(2, "stderr");
    case Target::File:
      break;
  }
  // One open file per path, kept across generations.
  struct Slot {
    std::shared_ptr<LogSink> sink;
    std::string error;
  };
  auto make = [&]() -> std::shared_ptr<Slot> {
    auto slot = std::make_shared<Slot>();
    auto sink = LogSink::openFile(p.decision_log.path, "decision log");
    if (sink.ok()) {
      slot->sink = std::move(*sink);
    } else {
      slot->error = sink.error().describe();
    }
    return slot;
  };
  std::shared_ptr<Slot> slot =
      shared != nullptr
          ? shared->getOrCreate<Slot>("policy.decision_log|" + p.decision_log.path, make)
          : make();
  if (!slot->sink) return base::Error{slot->error};
  return std::shared_ptr<LogSink>(slot, slot->sink.get());
}

}  // namespace

const std::string& bundleDirectory(const config::PolicyProvider& provider) {
  return provider.resolved_bundle_path.empty() ? provider.bundle_path
                                               : provider.resolved_bundle_path;
}

rego::LoadOptions bundleLoadOptions(const config::PolicyProvider& provider) {
  rego::LoadOptions options;
  options.engine.version = provider.v0_compatible ? rego::RegoVersion::V0 : rego::RegoVersion::V1;
  options.data_files = rego::DataFiles::BundleNames;
  return options;
}

base::Result<std::shared_ptr<const CompiledBundle>> loadBundleCached(
    const config::PolicyProvider& provider, filter_api::BuildServices& services) {
  const std::string name = qualifiedName(provider);
  const std::string& dir = bundleDirectory(provider);
  if (dir.empty()) {
    return base::Error{"PolicyProvider \"" + name + "\" has no bundlePath", 0,
                       base::ErrorSource::Config};
  }
  auto hash = hashBundle(dir);
  if (!hash.ok()) {
    MG_LOG(Error) << "policy: PolicyProvider " << name << ": " << hash.error().describe();
    return std::move(hash).error();
  }
  const bool v0 = provider.v0_compatible;
  bool compiled_now = false;
  auto make = [&]() -> std::shared_ptr<BundleSlot> {
    compiled_now = true;
    auto slot = std::make_shared<BundleSlot>();
    auto loaded = rego::loadBundle(dir, bundleLoadOptions(provider));
    if (!loaded.ok()) {
      slot->error = rego::describeErrors(loaded.errors());
      return slot;
    }
    auto b = std::make_shared<CompiledBundle>();
    b->bundle = std::move(*loaded);
    b->content_hash = *hash;
    b->revision = b->bundle.revision.empty() ? "sha:" + *hash : b->bundle.revision;
    slot->bundle = std::move(b);
    return slot;
  };
  const std::string key = "policy.bundle|" + dir + "|" + (v0 ? "v0" : "v1") + "|" + *hash;
  std::shared_ptr<BundleSlot> slot =
      services.shared != nullptr ? services.shared->getOrCreate<BundleSlot>(key, make) : make();

  if (services.metrics != nullptr) {
    metrics::Registry& r = *services.metrics;
    const bool ok = slot->bundle != nullptr;
    if (compiled_now) {
      r.mainShard().inc(r.counter(metric::kBundleLoads, metric::kBundleLoadsHelp,
                                  {{"bundle", dir}, {"result", ok ? "success" : "failure"}}));
    }
    if (ok && services.shared != nullptr) {
      auto info = services.shared->getOrCreate<BundleInfo>(
          "policy.bundle_info", [] { return std::make_shared<BundleInfo>(); });
      std::lock_guard<std::mutex> lock(info->mu);
      metrics::SeriesId id = r.gauge(metric::kBundleInfo, metric::kBundleInfoHelp,
                                     {{"provider", name}, {"revision", slot->bundle->revision}});
      auto [it, inserted] = info->current.try_emplace(name, id);
      if (!inserted && it->second.cell != id.cell) {
        r.mainShard().add(it->second, -1);
        it->second = id;
        inserted = true;
      }
      if (inserted) r.mainShard().add(id, 1);
    }
  }
  if (!slot->bundle) {
    if (compiled_now) {
      MG_LOG(Error) << "policy: PolicyProvider " << name << ": bundle " << dir
                    << " failed to compile; the new config is rejected:\n"
                    << slot->error;
    }
    return base::Error{"bundle " + dir + " failed to compile: " + slot->error, 0,
                       base::ErrorSource::Config};
  }
  if (compiled_now) {
    MG_LOG(Info) << "policy: PolicyProvider " << name << ": compiled bundle " << dir
                 << " (revision " << slot->bundle->revision << ")";
  }
  // Aliasing the slot keeps it in SharedState (which prunes unreferenced
  // objects) as long as a generation uses the bundle.
  return std::shared_ptr<const CompiledBundle>(slot, slot->bundle.get());
}

base::Result<std::shared_ptr<const filters::authz::CustomAuthorizer>> makeRegoAuthorizer(
    const config::PolicyProvider& provider, filter_api::BuildServices& services) {
  const std::string name = qualifiedName(provider);
  auto bundle = loadBundleCached(provider, services);
  if (!bundle.ok()) return std::move(bundle).error();
  auto path = rego::DecisionPath::parse(provider.decision_path);
  if (!path.ok()) {
    return base::Error{"PolicyProvider \"" + name + "\": decisionPath: " + path.error().message};
  }

  RegoAuthorizer::Series series;
  if (metrics::Registry* r = services.metrics) {
    auto counter = [&](const char* result) {
      return r->counter(metric::kDecisions, metric::kDecisionsHelp,
                        {{"provider", name}, {"result", result}});
    };
    series.allow = counter("allow");
    series.deny = counter("deny");
    series.error = counter("error");
    series.duration = r->histogram(metric::kEvalDuration, metric::kEvalDurationHelp,
                                   {{"provider", name}}, evalBuckets());
  }

  const config::PolicyProvider::Limits& limits = provider.limits;
  rego::EvalOptions options;
  options.budget.max_steps = limits.max_steps;
  options.budget.max_depth = limits.max_depth;
  options.budget.max_memory_bytes = limits.max_memory_bytes;
  options.budget.timeout = limits.timeout;

  std::shared_ptr<const DecisionLogger> log;
  auto sink = openSink(provider, services.shared);
  if (!sink.ok()) {
    return base::Error{"PolicyProvider \"" + name + "\": decisionLog: " + sink.error().message};
  }
  if (*sink) {
    log = std::make_shared<DecisionLogger>(*sink, provider.decision_log.include_input,
                                           provider.decision_log.redact);
  }
  std::shared_ptr<void> keep_alive;
  if (services.shared != nullptr) {
    keep_alive = services.shared->getOrCreate<BundleInfo>(
        "policy.bundle_info", [] { return std::make_shared<BundleInfo>(); });
  }
  return std::shared_ptr<const filters::authz::CustomAuthorizer>(
      std::make_shared<RegoAuthorizer>(std::move(*bundle), std::move(*path), name, series,
                                       std::move(options), std::move(log), std::move(keep_alive)));
}

void registerRegoAuthorizer() {
  filters::authz::registerCustomAuthorizer(
      std::string(filters::authz::kAnyProvider),
      [](const config::PolicyProvider& provider, filter_api::BuildServices& services) {
        return makeRegoAuthorizer(provider, services);
      });
}

}  // namespace meshgate::policy
