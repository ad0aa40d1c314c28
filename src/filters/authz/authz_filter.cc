// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/authz_filter.h"

#include <algorithm>

#include "base/json_writer.h"
#include "base/log.h"
#include "filters/authz/path_readings.h"

namespace meshgate::filters::authz {

namespace {

using filter_api::FilterContext;
using filter_api::FilterStatus;
using filter_api::LocalReply;

bool hasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void lowerInto(std::string_view in, std::string& out) {
  out.assign(in);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

std::string jsonString(std::string_view s) {
  std::string out;
  base::JsonWriter(out).string(s);
  return out;
}

}  // namespace

void AuthzFilter::count(FilterContext& ctx, metrics::SeriesId id) {
  if (id.valid()) ctx.metrics().inc(id);
}

bool AuthzFilter::prepare(FilterContext& ctx) {
  const filter_api::StreamInfo& s = ctx.stream();
  http::RequestHead& head = ctx.requestHead();
  const PolicyEngine& engine = *config_.engine;

  RequestAttributes& a = readings_[0];
  a = RequestAttributes{};
  a.authority = head.authority();
  if (hasUpper(a.authority)) {
    lowerInto(a.authority, host_);
    a.host = host_;
  } else {
    a.host = a.authority;
  }
  a.method = head.methodText();
  a.headers = &head.headers();
  if (s.downstream_local != nullptr) {
    a.destination_port = s.downstream_local->port();
    a.destination_ip = IpKey::fromAddress(*s.downstream_local);
  }
  if (s.downstream_remote != nullptr) a.source_ip = IpKey::fromAddress(*s.downstream_remote);
  a.remote_ip = s.client != nullptr ? IpKey::fromAddress(*s.client) : a.source_ip;
  a.sni = s.sni;
  a.identity = ctx.identity();
  a.scratch = &scratch_;
  if (a.identity != nullptr && engine.usesRequestPrincipal()) {
    // Istio matches requestPrincipals on the JWT's iss and sub claims.
    bool have_claims = false;
    if (a.identity->claims != nullptr) {
      std::vector<std::string> iss = a.identity->claims->values({"iss"});
      std::vector<std::string> sub = a.identity->claims->values({"sub"});
      if (!iss.empty() && !sub.empty()) {
        jwt_issuer_ = std::move(iss.front());
        jwt_subject_ = std::move(sub.front());
        have_claims = true;
      }
    }
    if (!have_claims && !a.identity->request_principal.empty()) {
      // No claims view: "iss/sub" split at its last '/', as Istio splits patterns.
      const std::string& p = a.identity->request_principal;
      const size_t slash = p.rfind('/');
      if (slash != std::string::npos) {
        jwt_issuer_ = p.substr(0, slash);
        jwt_subject_ = p.substr(slash + 1);
        have_claims = true;
      }
    }
    if (have_claims) {
      a.jwt_issuer = jwt_issuer_;
      a.jwt_subject = jwt_subject_;
    }
  }

  const std::string_view path = s.normalized_path.empty() ? head.path() : s.normalized_path;
  if (config_.case_insensitive_paths && hasUpper(path)) {
    lowerInto(path, path_);
    a.path = path_;
  } else {
    a.path = path;
  }
  reading_count_ = 1;
  if (engine.usesPath() && mayHaveOtherReadings(a.path)) {
    if (!canonicalReadings(a.path, config_.case_insensitive_paths, dots_first_, merge_first_)) {
      return false;
    }
    for (const std::string* other : {&dots_first_, &merge_first_}) {
      bool seen = false;
      for (size_t i = 0; i < reading_count_; ++i)
        seen = seen || readings_[i].path == *other;
      if (seen) continue;
      readings_[reading_count_] = a;
      readings_[reading_count_].path = *other;
      ++reading_count_;
    }
  }
  return true;
}

FilterStatus AuthzFilter::onRequestHeaders(FilterContext& ctx, bool end_stream) {
  if (!prepare(ctx)) {
    // Only reachable with a path the proxy did not validate; never guess.
    writeLogFields(ctx, "denied", nullptr, nullptr);
    count(ctx, config_.denied_no_allow);
    LocalReply r;
    r.status = 403;
    r.body = kAccessDeniedBody;
    r.details = "rbac_access_denied_invalid_path";
    return reply(ctx, std::move(r));
  }
  triggers_.clear();
  const auto& groups = config_.engine->customGroups();
  bool want_body = false;
  size_t body_limit = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    Trigger t;
    t.group = g;
    t.enforced = groups[g].enforced.firstMatch(readings());
    t.dry_run = groups[g].dry_run.firstMatch(readings());
    if (t.enforced == nullptr && t.dry_run == nullptr) continue;
    const ProviderBinding& b = config_.providers[g];
    if (b.authorizer && b.provider.include_request_body) {
      want_body = true;
      body_limit = std::max<size_t>(body_limit, b.provider.include_request_body->max_bytes);
    }
    triggers_.push_back(t);
  }
  if (want_body && !end_stream) {
    // One extra byte tells a body cut at the limit from one that fits.
    waiting_for_body_ = true;
    body_limit_ = body_limit;
    ctx.bufferRequestBody(body_limit + 1);
    return FilterStatus::Wait;
  }
  return decide(ctx, {}, false);
}

FilterStatus AuthzFilter::onRequestBody(FilterContext& ctx, std::string_view data,
                                        bool end_stream) {
  (void)data;
  if (!waiting_for_body_) return FilterStatus::Continue;
  const base::Buffer& buffered = ctx.bufferedRequestBody();
  if (!end_stream && buffered.size() <= body_limit_) return FilterStatus::Wait;
  waiting_for_body_ = false;
  const bool truncated = buffered.size() > body_limit_;
  const std::string_view body = buffered.view().substr(0, body_limit_);
  return decide(ctx, body, truncated);
}

FilterStatus AuthzFilter::decide(FilterContext& ctx, std::string_view body, bool truncated) {
  if (!triggers_.empty() && !runCustom(ctx, body, truncated)) return FilterStatus::Respond;
  return runRbac(ctx);
}

void AuthzFilter::appendCustomLog(std::string_view provider, std::string_view result, bool dry_run,
                                  std::string_view message) {
  if (!custom_log_.empty()) custom_log_ += ',';
  base::JsonWriter w(custom_log_);
  w.beginObject().field("provider", provider).field("result", result);
  if (dry_run) w.field("dry_run", true);
  if (!message.empty()) w.field("message", message);
  w.endObject();
}

void AuthzFilter::logNoAuthorizer(FilterContext& ctx, const std::string& provider,
                                  const CompiledPolicy& policy) {
  // At most one line per second per route: a misconfiguration must be visible
  // without flooding the log at request rate.
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          ctx.clock().monotonicNow().time_since_epoch())
                          .count();
  int64_t last = config_.last_no_authorizer_log.load(std::memory_order_relaxed);
  if (last != INT64_MIN && now - last < 1'000'000'000) return;
  if (!config_.last_no_authorizer_log.compare_exchange_strong(last, now,
                                                              std::memory_order_relaxed)) {
    return;
  }
  MG_LOG(Warn) << "authz: " << (policy.dry_run ? "dry-run " : "") << "AuthorizationPolicy "
               << policy.qualified_name << " selected request " << ctx.stream().request_id
               << " on route " << config_.route << " for CUSTOM provider \"" << provider
               << "\", which has no authorizer in this build"
               << (policy.dry_run ? " (dry run: not enforced)" : "; denied (403, fail closed)");
}

bool AuthzFilter::runCustom(FilterContext& ctx, std::string_view body, bool truncated) {
  const PolicyEngine& engine = *config_.engine;
  for (const Trigger& t : triggers_) {
    const PolicyEngine::CustomGroup& group = engine.customGroups()[t.group];
    const ProviderBinding& b = config_.providers[t.group];
    const bool enforced = t.enforced != nullptr;
    const RuleRef& rule = enforced ? *t.enforced : *t.dry_run;
    const CompiledPolicy& policy = *rule.policy;
    const metrics::SeriesId denied_series =
        config_.denied_by_policy.empty() ? metrics::SeriesId{}
                                         : config_.denied_by_policy[config_.indexOf(&policy)];
    auto denyWith = [&](LocalReply r, std::string_view log_result, std::string_view message) {
      appendCustomLog(group.provider, log_result, false, message);
      writeLogFields(ctx, "denied", "CUSTOM", &rule);
      count(ctx, denied_series);
      reply(ctx, std::move(r));
      return false;
    };

    if (!b.authorizer) {
      count(ctx, b.errors_no_authorizer);
      logNoAuthorizer(ctx, group.provider, policy);
      constexpr std::string_view kMessage = "no authorizer for this provider";
      if (!enforced) {
        count(ctx, config_.dry_run[0][1]);
        appendCustomLog(group.provider, "error", true, kMessage);
        continue;
      }
      LocalReply r;
      r.status = 403;
      r.body = kAccessDeniedBody;
      r.details = "ext_authz_error";
      r.response_flags = kFlagUnauthorizedExternalService;
      return denyWith(std::move(r), "error", kMessage);
    }

    const auto& body_options = b.provider.include_request_body;
    if (enforced && truncated && body_options && !body_options->allow_partial) {
      // Envoy ext_authz with allow_partial_message: false answers 413.
      LocalReply r;
      r.status = 413;
      r.body = "Payload Too Large";
      r.details = "ext_authz_request_too_large";
      r.response_flags = kFlagUnauthorizedExternalService;
      return denyWith(std::move(r), "denied", "request body above includeRequestBody.maxBytes");
    }

    std::vector<std::string> names;
    for (const CompiledPolicy* p :
         (enforced ? group.enforced : group.dry_run).allMatches(readings()))
      names.push_back(p->qualified_name);
    CustomCheck check{ctx,
                      b.provider,
                      body_options ? body : std::string_view(),
                      body_options ? truncated : false,
                      names,
                      !enforced};
    CustomDecision d = b.authorizer->check(check);

    switch (d.result) {
      case CustomDecision::Result::Allow:
        count(ctx, b.checks_allowed);
        break;
      case CustomDecision::Result::Deny:
        count(ctx, b.checks_denied);
        break;
      case CustomDecision::Result::Error:
        count(ctx, b.checks_error);
        count(ctx, b.errors_eval);
        break;
    }
    if (!enforced) {
      const bool denied = d.result != CustomDecision::Result::Allow &&
                          !(d.result == CustomDecision::Result::Error && b.provider.fail_open);
      count(ctx, config_.dry_run[0][denied ? 1 : 0]);
      appendCustomLog(group.provider,
                      d.result == CustomDecision::Result::Error ? "error"
                      : denied                                  ? "denied"
                                                                : "allowed",
                      true, d.message);
      continue;
    }

    switch (d.result) {
      case CustomDecision::Result::Error: {
        if (b.provider.fail_open) {
          appendCustomLog(group.provider, "error", false,
                          d.message.empty() ? "failOpen: allowed" : d.message);
          break;
        }
        LocalReply r;
        r.status = 403;
        r.details = "ext_authz_error";
        r.response_flags = kFlagUnauthorizedExternalService;
        return denyWith(std::move(r), "error", d.message);
      }
      case CustomDecision::Result::Deny: {
        LocalReply r;
        r.status = d.status >= 200 && d.status <= 599 ? d.status : 403;
        r.body = std::move(d.body);
        r.headers = std::move(d.response_headers);
        r.details = "ext_authz_denied";
        r.response_flags = kFlagUnauthorizedExternalService;
        return denyWith(std::move(r), "denied", d.message);
      }
      case CustomDecision::Result::Allow: {
        http::HeaderMap& h = ctx.requestHead().headers();
        for (const std::string& name : d.request_headers_to_remove)
          h.remove(name);
        for (const auto& [name, value] : d.request_headers)
          h.set(name, value);
        for (const auto& [name, value] : d.response_headers)
          ctx.addResponseHeader(name, value);
        appendCustomLog(group.provider, "allowed", false, d.message);
        break;
      }
    }
  }
  return true;
}

void AuthzFilter::writeLogFields(FilterContext& ctx, std::string_view result, const char* action,
                                 const RuleRef* rule) {
  ctx.addAccessLogField("authz_result", jsonString(result));
  if (action != nullptr) ctx.addAccessLogField("authz_action", jsonString(action));
  if (rule != nullptr) {
    ctx.addAccessLogField("authz_policy", jsonString(rule->policy->qualified_name));
    ctx.addAccessLogField("authz_rule", jsonString(rule->id));
  }
  if (reading_count_ > 1) {
    std::string json;
    base::JsonWriter w(json);
    w.beginArray();
    for (size_t i = 1; i < reading_count_; ++i)
      w.string(readings_[i].path);
    w.endArray();
    ctx.addAccessLogField("authz_path_readings", json);
  }
  if (!custom_log_.empty()) {
    ctx.addAccessLogField("authz_custom", "[" + custom_log_ + "]");
    custom_log_.clear();
  }
}

FilterStatus AuthzFilter::runRbac(FilterContext& ctx) {
  const RbacResult r = config_.engine->evaluate(readings());
  if (!r.audited.empty()) {
    std::string json;
    base::JsonWriter w(json);
    w.beginArray();
    for (const CompiledPolicy* p : r.audited) {
      w.string(p->qualified_name);
      if (!config_.audited_by_policy.empty()) {
        count(ctx, config_.audited_by_policy[config_.indexOf(p)]);
      }
    }
    w.endArray();
    ctx.addAccessLogField("authz_audit", json);
  }
  if (r.dry_deny_evaluated || r.dry_allow_evaluated) {
    std::string json;
    base::JsonWriter w(json);
    w.beginObject();
    if (r.dry_deny_evaluated) {
      w.key("deny").beginObject().field("result", r.dry_deny_denied ? "denied" : "allowed");
      if (r.dry_deny_rule) w.field("policy", r.dry_deny_rule->policy->qualified_name);
      w.endObject();
      count(ctx, config_.dry_run[1][r.dry_deny_denied ? 1 : 0]);
    }
    if (r.dry_allow_evaluated) {
      w.key("allow").beginObject().field("result", r.dry_allow_allowed ? "allowed" : "denied");
      if (r.dry_allow_rule) w.field("policy", r.dry_allow_rule->policy->qualified_name);
      w.endObject();
      count(ctx, config_.dry_run[2][r.dry_allow_allowed ? 0 : 1]);
    }
    w.endObject();
    ctx.addAccessLogField("authz_dry_run", json);
  }
  if (r.allowed) {
    writeLogFields(ctx, "allowed", r.rule ? "ALLOW" : nullptr, r.rule);
    count(ctx, config_.allowed);
    return FilterStatus::Continue;
  }
  LocalReply reply_;
  reply_.status = 403;
  reply_.body = kAccessDeniedBody;
  if (r.rule != nullptr) {
    // Envoy's response code details for an RBAC denial.
    reply_.details = "rbac_access_denied_matched_policy[" + r.rule->id + "]";
    writeLogFields(ctx, "denied", "DENY", r.rule);
    if (!config_.denied_by_policy.empty()) {
      count(ctx, config_.denied_by_policy[config_.indexOf(r.rule->policy)]);
    }
  } else {
    reply_.details = "rbac_access_denied_matched_policy[none]";
    writeLogFields(ctx, "denied", "ALLOW", nullptr);
    count(ctx, config_.denied_no_allow);
  }
  return reply(ctx, std::move(reply_));
}

FilterStatus AuthzFilter::reply(FilterContext& ctx, LocalReply r) {
  ctx.respond(std::move(r));
  return FilterStatus::Respond;
}

}  // namespace meshgate::filters::authz
