// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/authenticator.h"

#include <algorithm>

namespace meshgate::filters::jwt_authn {

using jwt::JwtStatus;

Requirement istioRequirement(size_t rule_count) {
  auto provider = [](size_t i) {
    Requirement p;
    p.kind = Requirement::Kind::Provider;
    p.rule = static_cast<uint16_t>(i);
    return p;
  };
  // any{Pi, allow_missing}: the allow_missing reads the locations of the providers beside it.
  auto optional = [&](size_t i) {
    Requirement any;
    any.kind = Requirement::Kind::Any;
    any.children.push_back(provider(i));
    Requirement missing;
    missing.kind = Requirement::Kind::AllowMissing;
    missing.rules.push_back(static_cast<uint16_t>(i));
    any.children.push_back(std::move(missing));
    return any;
  };
  if (rule_count == 1) return optional(0);
  Requirement all;
  all.kind = Requirement::Kind::All;
  Requirement outer;
  outer.kind = Requirement::Kind::Any;
  for (size_t i = 0; i < rule_count; ++i) {
    outer.children.push_back(provider(i));
    all.children.push_back(optional(i));
  }
  outer.children.push_back(std::move(all));
  return outer;
}

base::Result<AuthnPolicy> compilePolicy(std::vector<std::shared_ptr<const CompiledRule>> rules) {
  AuthnPolicy p;
  std::vector<TokenLocation> all;
  for (const auto& r : rules) {
    all.insert(all.end(), r->locations.begin(), r->locations.end());
    if (!r->output_payload_to_header.empty())
      p.sanitize_headers.push_back(r->output_payload_to_header);
    for (const ClaimHeader& c : r->output_claim_to_headers)
      p.sanitize_headers.push_back(c.header);
  }
  std::sort(p.sanitize_headers.begin(), p.sanitize_headers.end());
  p.sanitize_headers.erase(std::unique(p.sanitize_headers.begin(), p.sanitize_headers.end()),
                           p.sanitize_headers.end());
  p.locations = LocationTable(std::move(all));
  if (p.locations.size() > kMaxLocations) {
    return base::Error{"more than " + std::to_string(kMaxLocations) +
                       " distinct JWT locations (fromHeaders, fromParams, fromCookies) apply to "
                       "one workload"};
  }
  for (const auto& r : rules) {
    const LocationMask m = p.locations.maskOf(r->locations);
    p.rule_masks.push_back(m);
    p.all_locations |= m;
  }
  p.rules = std::move(rules);
  if (!p.rules.empty()) p.requirement = istioRequirement(p.rules.size());
  return p;
}

Authenticator::Authenticator(const AuthnPolicy& policy, std::span<const ExtractedToken> tokens,
                             base::SystemTime now)
    : policy_(policy),
      tokens_in_(tokens),
      now_(now),
      tokens_(tokens.size()),
      states_(policy.rules.size()) {}

AuthnOutcome Authenticator::run() {
  out_ = AuthnOutcome{};
  if (policy_.rules.empty()) return out_;
  std::optional<JwtStatus> s = eval(policy_.requirement);
  if (s) out_.status = *s;
  return std::move(out_);
}

std::optional<JwtStatus> Authenticator::eval(const Requirement& r) {
  switch (r.kind) {
    case Requirement::Kind::Provider:
      return evalProvider(r.rule);
    case Requirement::Kind::AllowMissing:
      return evalAllowMissing(r.rules);
    case Requirement::Kind::Any: {
      JwtStatus last = JwtStatus::JwtMissed;
      for (const Requirement& c : r.children) {
        std::optional<JwtStatus> s = eval(c);
        if (!s) return std::nullopt;
        if (*s == JwtStatus::Ok) return JwtStatus::Ok;
        last = *s;
      }
      return last;
    }
    case Requirement::Kind::All:
      for (const Requirement& c : r.children) {
        std::optional<JwtStatus> s = eval(c);
        if (!s || *s != JwtStatus::Ok) return s;
      }
      return JwtStatus::Ok;
  }
  return JwtStatus::JwtVerificationFail;
}

std::optional<JwtStatus> Authenticator::evalProvider(uint16_t rule) {
  const LocationMask mask = policy_.rule_masks[rule];
  const CompiledRule& cr = *policy_.rules[rule];
  bool any = false;
  // Envoy verifies from the last token found, and a provider requires every one of them.
  for (size_t i = tokens_in_.size(); i-- > 0;) {
    if ((mask & (LocationMask{1} << tokens_in_[i].location)) == 0) continue;
    any = true;
    JwtStatus s = ensureParsed(i, rule);
    if (s != JwtStatus::Ok) return s;
    // The provider's own extractor allows only its issuer at its locations.
    if (!cr.issuer.empty() && tokens_[i].jwt->issuer() != cr.issuer) {
      return JwtStatus::JwtUnknownIssuer;
    }
    std::optional<JwtStatus> v = verify(i, rule);
    if (!v) return std::nullopt;
    if (*v != JwtStatus::Ok) return v;
    markGood(i, rule);
  }
  return any ? JwtStatus::Ok : JwtStatus::JwtMissed;
}

std::optional<JwtStatus> Authenticator::evalAllowMissing(const std::vector<uint16_t>& rules) {
  LocationMask mask = 0;
  for (uint16_t r : rules)
    mask |= policy_.rule_masks[r];
  std::optional<JwtStatus> last;
  // Every token is checked (a failure does not stop the others); the last one checked, i.e.
  // the first one found, decides.
  for (size_t i = tokens_in_.size(); i-- > 0;) {
    const LocationMask bit = LocationMask{1} << tokens_in_[i].location;
    if ((mask & bit) == 0) continue;
    JwtStatus s = ensureParsed(i, -1);
    if (s == JwtStatus::Ok) {
      const std::string& iss = tokens_[i].jwt->issuer();
      bool allowed = false;
      for (uint16_t r : rules) {
        const std::string& ri = policy_.rules[r]->issuer;
        allowed = allowed || ((policy_.rule_masks[r] & bit) != 0 && (ri.empty() || ri == iss));
      }
      const int rule = allowed ? findByIssuer(iss) : -1;
      if (rule < 0) {
        s = JwtStatus::JwtUnknownIssuer;
      } else {
        std::optional<JwtStatus> v = verify(i, static_cast<uint16_t>(rule));
        if (!v) return std::nullopt;
        s = *v;
        if (s == JwtStatus::Ok) markGood(i, static_cast<uint16_t>(rule));
      }
    }
    last = s;
  }
  return last.value_or(JwtStatus::Ok);
}

int Authenticator::findByIssuer(std::string_view issuer) const {
  // Envoy's JwksCache::findByIssuer: the first provider with this issuer, else the first one
  // without an issuer.
  int fallback = -1;
  for (size_t r = 0; r < policy_.rules.size(); ++r) {
    const std::string& ri = policy_.rules[r]->issuer;
    if (ri == issuer) return static_cast<int>(r);
    if (ri.empty() && fallback < 0) fallback = static_cast<int>(r);
  }
  return fallback;
}

RuleWorkerState& Authenticator::state(uint16_t rule) {
  if (states_[rule] == nullptr) states_[rule] = &workerStateFor(policy_.rules[rule]);
  return *states_[rule];
}

JwtStatus Authenticator::ensureParsed(size_t i, int rule) {
  TokenState& t = tokens_[i];
  if (t.parse_done) return t.parse_status;
  const std::string_view text = tokens_in_[i].text();
  if (rule >= 0) {
    // A token this rule verified before is its own parse result: skip the parse.
    RuleWorkerState& ws = state(static_cast<uint16_t>(rule));
    const KeysSnapshot& keys = ws.currentKeys(*policy_.rules[rule]->keys);
    if (keys.keys) {
      if (auto hit = ws.cache->find(text, keys.keys->id())) {
        t.jwt = std::move(hit);
        t.hit_rule = rule;
        t.hit_keys = keys.keys->id();
        t.parse_done = true;
        return JwtStatus::Ok;
      }
    }
  }
  t.parse_done = true;
  auto parsed = jwt::Jwt::parse(text, policy_.rules.front()->verifier->options().parse);
  if (!parsed.ok()) {
    t.parse_status = parsed.status();
    return t.parse_status;
  }
  t.jwt = std::make_shared<const jwt::Jwt>(std::move(parsed).value());
  return JwtStatus::Ok;
}

std::optional<JwtStatus> Authenticator::verify(size_t i, uint16_t rule) {
  TokenState& t = tokens_[i];
  if (rule < kMemoRules && t.memo[rule] != 0) return static_cast<JwtStatus>(t.memo[rule] - 1);
  const CompiledRule& cr = *policy_.rules[rule];
  const jwt::JwtVerifier& v = *cr.verifier;
  RuleWorkerState& ws = state(rule);
  const KeysSnapshot& keys = ws.currentKeys(*cr.keys);
  const jwt::Jwt& jwt = *t.jwt;
  JwtStatus s;
  if (!keys.keys) {
    // Envoy checks the claims before it looks for keys: a token that is bad anyway does not
    // wait for a fetch.
    s = v.checkIssuer(jwt);
    if (s == JwtStatus::Ok) s = v.checkTime(jwt, now_);
    if (s == JwtStatus::Ok) s = v.checkAudience(jwt);
    if (s == JwtStatus::Ok) {
      if (keys.pending) {
        out_.waiting_for_rule = rule;
        return std::nullopt;
      }
      s = keys.error;
    }
  } else {
    const uint64_t keys_id = keys.keys->id();
    std::shared_ptr<const jwt::Jwt> cached;
    if (t.hit_rule == rule && t.hit_keys == keys_id) {
      cached = t.jwt;
    } else {
      cached = ws.cache->find(tokens_in_[i].text(), keys_id);
    }
    if (cached) {
      ++out_.cache_hits;
      s = v.checkTime(*cached, now_);
      if (s != JwtStatus::Ok) ws.cache->invalidate(tokens_in_[i].text());
    } else {
      ++out_.cache_misses;
      s = v.verifyParsed(jwt, *keys.keys, now_);
      if (s == JwtStatus::Ok) ws.cache->insert(t.jwt, keys_id);
    }
  }
  if (rule < kMemoRules) t.memo[rule] = static_cast<uint8_t>(static_cast<uint8_t>(s) + 1);
  return s;
}

void Authenticator::markGood(size_t i, uint16_t rule) {
  for (const GoodToken& g : out_.good) {
    if (g.token == i && g.rule == rule) return;
  }
  out_.good.push_back(GoodToken{static_cast<uint16_t>(i), rule});
}

}  // namespace meshgate::filters::jwt_authn
