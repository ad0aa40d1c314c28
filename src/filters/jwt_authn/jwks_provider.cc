// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/jwks_provider.h"

#include "base/log.h"
#include "base/strings.h"
#include "filters/jwt_authn/metrics.h"

namespace meshgate::filters::jwt_authn {

namespace {

// Added to every retry wait: full jitter may draw ~0, and an issuer that just failed should not
// be asked again at once.
constexpr auto kRetryFloor = std::chrono::milliseconds(500);

}  // namespace

JwksProvider::JwksProvider(JwksProviderOptions options, event::EventLoop& main_loop,
                           metrics::Registry* registry)
    : options_(std::move(options)),
      fetcher_(main_loop),
      timer_(main_loop, [this] { fetchNow(); }),
      backoff_(options_.retry),
      rng_(limits::SplitMix64::fromRandomDevice()) {
  snap_.pending = true;
  if (registry != nullptr) {
    shard_ = &registry->mainShard();
    fetch_ok_ =
        registry->counter(kFetchMetric, kFetchHelp, {{"uri", options_.uri}, {"result", "ok"}});
    fetch_failed_ =
        registry->counter(kFetchMetric, kFetchHelp, {{"uri", options_.uri}, {"result", "failed"}});
    keys_gauge_ = registry->gauge(kKeysMetric, kKeysHelp, {{"uri", options_.uri}});
  }
}

JwksProvider::~JwksProvider() {
  // Leave the gauge at zero: the series outlives us in the registry.
  if (shard_ != nullptr && keys_reported_ != 0) shard_->add(keys_gauge_, -keys_reported_);
}

void JwksProvider::start() {
  // Not now: providers are made while a generation is built, before its listeners are bound,
  // and an issuer may be served by this very process (a directResponse route).
  timer_.arm(base::Duration::zero());
}

KeysSnapshot JwksProvider::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snap_;
}

bool JwksProvider::notifyWhenSettled(event::EventLoop& loop, std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!snap_.pending) return false;
  waiters_.emplace_back(&loop, std::move(wake));
  return true;
}

void JwksProvider::fetchNow() {
  FetchOptions fo;
  fo.timeout = options_.timeout;
  fo.ca_file = options_.ca_file;
  fo.accept = "application/json, application/jwk-set+json";
  fetcher_.fetch(options_.url, fo,
                 [this](base::Result<FetchResponse> r) { onFetched(std::move(r)); });
}

void JwksProvider::onFetched(base::Result<FetchResponse> result) {
  if (!result.ok()) {
    onFailure(result.error().message);
    return;
  }
  if (result->status != 200) {
    onFailure("HTTP status " + std::to_string(result->status));
    return;
  }
  if (!last_body_.empty() && result->body == last_body_) {
    onSuccess(result->body, nullptr);  // unchanged: keep the set (and the verification caches)
    return;
  }
  // Fetched key sets never carry HMAC secrets: whoever serves the URI could otherwise mint
  // tokens (jwt::JwksParseOptions::allow_symmetric).
  auto keys = jwt::JwkSet::parse(result->body);
  if (!keys.ok()) {
    onFailure(std::string("unusable key set: ") + std::string(jwt::statusMessage(keys.status())) +
              " (" + std::string(jwt::statusName(keys.status())) + ")");
    return;
  }
  onSuccess(result->body, std::move(keys).value());
}

void JwksProvider::onSuccess(const std::string& body, std::shared_ptr<const jwt::JwkSet> keys) {
  ++ok_count_;
  if (shard_ != nullptr) shard_->inc(fetch_ok_);
  backoff_.reset();
  timer_.arm(options_.refresh_interval);
  if (keys == nullptr) return;
  if (keys->skippedKeys() > 0) {
    MG_LOG(Warn) << "jwt_authn: jwksUri " << options_.uri << ": " << keys->skippedKeys()
                 << " key(s) skipped, first because: "
                 << jwt::statusMessage(keys->firstSkipReason());
  }
  const bool first = last_body_.empty();
  last_body_ = body;
  if (shard_ != nullptr) {
    const int64_t n = static_cast<int64_t>(keys->keys().size());
    shard_->add(keys_gauge_, n - keys_reported_);
    keys_reported_ = n;
  }
  MG_LOG(Info) << "jwt_authn: jwksUri " << options_.uri << ": "
               << (first ? "loaded " : "rotated to ") << keys->keys().size() << " key(s)";
  publish(KeysSnapshot{std::move(keys), false, jwt::JwtStatus::Ok});
}

void JwksProvider::onFailure(const std::string& why) {
  ++failed_count_;
  if (shard_ != nullptr) shard_->inc(fetch_failed_);
  const auto wait = kRetryFloor + backoff_.next(rng_);
  timer_.arm(wait);
  KeysSnapshot current = snapshot();
  MG_LOG(Warn) << "jwt_authn: jwksUri " << options_.uri << ": fetch failed: " << why << "; "
               << (current.keys ? "keeping the last good key set" : "no keys yet")
               << ", retrying in "
               << base::formatDuration(std::chrono::duration_cast<base::Duration>(wait));
  if (current.keys || !current.pending) return;
  publish(KeysSnapshot{nullptr, false, jwt::JwtStatus::JwksFetchFail});
}

void JwksProvider::publish(KeysSnapshot snap) {
  std::vector<std::pair<event::EventLoop*, std::function<void()>>> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snap_ = std::move(snap);
    version_.fetch_add(1, std::memory_order_acq_rel);
    if (!snap_.pending) waiters.swap(waiters_);
  }
  for (auto& [loop, wake] : waiters)
    loop->post(std::move(wake));
}

}  // namespace meshgate::filters::jwt_authn
