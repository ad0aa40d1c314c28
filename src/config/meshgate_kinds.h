// SPDX-License-Identifier: Apache-2.0
// The meshgate.io/v1 kinds, for what Istio has no kind for: Listener, Admin,
// DemoUpstream, RateLimitPolicy, HealthCheck, PolicyProvider, Workload, and the
// externally validated SandboxProfile. Depends on config/types.h only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/types.h"

namespace YAML {
class Node;
}

namespace meshgate::config {

// -------------------------------------------------------------------- Listener

struct ListenerLimits {
  /// Envoy's defaults: 60 KiB of request headers, 100 headers.
  uint32_t max_request_headers_bytes = 60 * 1024;
  uint32_t max_request_headers_count = 100;
  uint32_t max_uri_length = 8192;
  /// 0: unlimited (bodies are streamed).
  uint64_t max_request_body_bytes = 0;
};

struct ListenerTimeouts {
  /// Idle keep-alive connection; 0 disables. Envoy default 1h.
  Duration idle = std::chrono::hours(1);
  /// Time to receive the complete request headers; 0 disables.
  Duration request_headers = std::chrono::seconds(10);
  /// No bytes in either direction on an active request; 0 disables. Envoy 5m.
  Duration stream_idle = std::chrono::minutes(5);
};

/// How request paths are normalised before routing and authorization. The
/// preset is Istio's meshConfig.pathNormalization; the flags may override it.
struct PathNormalization {
  enum class Preset { None, Base, MergeSlashes, DecodeAndMergeSlashes };
  enum class EscapedSlashes {
    KeepUnchanged,
    RejectRequest,
    UnescapeAndRedirect,
    UnescapeAndForward
  };
  Preset preset = Preset::Base;
  /// RFC 3986 dot-segment removal, and backslash to slash (Envoy normalize_path).
  bool normalize = true;
  bool merge_slashes = false;
  /// %2F, %2f, %5C, %5c.
  EscapedSlashes escaped_slashes = EscapedSlashes::KeepUnchanged;
  /// Decode percent-encoded unreserved characters (%61 -> a).
  bool decode_unreserved = true;
  /// Cut ";params" from each segment before matching (not forwarded changed).
  bool strip_matrix_parameters = false;
  /// Lower-case the path for authorization matching only.
  bool case_insensitive_matching = false;
};

struct AccessLog {
  enum class Target { Off, Stdout, Stderr, File };
  Target target = Target::Stdout;
  std::string path;  // for File (resolved against the config file's directory)
  enum class Format { Json };
  Format format = Format::Json;
};

struct XffSettings {
  /// Envoy use_remote_address: the peer address is the client address.
  bool use_remote_address = true;
  /// Envoy xff_num_trusted_hops.
  uint32_t trusted_hops = 0;
  /// Do not append the peer address to X-Forwarded-For.
  bool skip_append = false;
};

/// A meshgate listener: one address:port serving VirtualService hosts. It is
/// the "mesh" gateway of Istio's sidecar model.
struct Listener {
  ObjectMeta meta;
  std::string address = "127.0.0.1";
  IpAddress ip;
  uint16_t port = 0;  // 0: ephemeral
  /// VirtualService hosts served; "*" serves every host.
  std::vector<std::string> hosts = {"*"};
  /// The workload behind this listener: what AuthorizationPolicy and
  /// RequestAuthentication selectors (and namespaces) match.
  std::string workload_namespace;  // empty: the Listener's namespace
  Labels workload_labels;
  ListenerLimits limits;
  ListenerTimeouts timeouts;
  PathNormalization path_normalization;
  AccessLog access_log;
  Duration drain_timeout = std::chrono::seconds(5);
  XffSettings xff;

  const std::string& effectiveWorkloadNamespace() const {
    return workload_namespace.empty() ? meta.namespace_ : workload_namespace;
  }
};

struct Admin {
  ObjectMeta meta;
  std::string address = "127.0.0.1";
  IpAddress ip;
  uint16_t port = 9901;
};

/// A built-in demo origin served by meshgate itself (/, /headers, /status/N,
/// /delay/D, echo of the request).
struct DemoUpstream {
  ObjectMeta meta;
  std::string address = "127.0.0.1";
  IpAddress ip;
  uint16_t port = 0;
};

// ------------------------------------------------------------ RateLimitPolicy

/// Which routes a RateLimitPolicy applies to. Either a VirtualService (and
/// optionally one of its http route names), or host/path selectors.
struct RateLimitTarget {
  std::string virtual_service;      // "name" or "ns/name"
  std::string route;                // http[].name; empty: every route of the VirtualService
  std::vector<std::string> hosts;   // Istio host patterns; empty: any
  std::optional<StringMatch> path;  // empty: any
  SourcePos pos;
};

/// One part of the bucket key.
struct RateLimitDescriptor {
  enum class Kind { Header, ClientIp, JwtClaim, Path, GenericKey };
  Kind kind = Kind::GenericKey;
  /// Header name (lower-cased), claim ("a.b" for nested), or the generic key value.
  std::string value;
  SourcePos pos;
};

struct RateLimit {
  enum class Unit { Second, Minute, Hour };
  uint64_t requests_per_unit = 0;
  Unit unit = Unit::Second;
  /// Bucket size; default = requests_per_unit.
  uint64_t burst = 0;
  SourcePos pos;
  /// The refill interval for one token.
  Duration unitDuration() const;
};

struct RateLimitPolicy {
  ObjectMeta meta;
  std::vector<RateLimitTarget> targets;
  /// Empty: one bucket for every request of the targeted routes.
  std::vector<RateLimitDescriptor> descriptors;
  RateLimit limit;
  /// x-ratelimit-limit/remaining/reset on every response.
  bool response_headers = true;
  /// Count and log, never reject.
  bool shadow_mode = false;
};

// ---------------------------------------------------------------- HealthCheck

struct StatusRange {
  uint32_t start = 200;  // inclusive
  uint32_t end = 200;    // inclusive
};

struct HealthCheck {
  ObjectMeta meta;
  std::string host;    // a ServiceEntry host or Workload (short names allowed)
  std::string subset;  // empty: every endpoint of the host
  uint16_t port = 0;   // 0: the service's only port
  std::string path = "/";
  std::string authority;  // Host header; empty: the host
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  uint32_t healthy_threshold = 1;
  uint32_t unhealthy_threshold = 3;
  std::vector<StatusRange> expected_statuses = {{200, 299}};
  SourcePos host_pos;
};

// ------------------------------------------------------------- PolicyProvider

struct PolicyProvider {
  ObjectMeta meta;
  std::string bundle_path;           // as written
  std::string resolved_bundle_path;  // relative paths resolved against the file's directory
  /// e.g. "envoy/authz/allow" (data.envoy.authz.allow).
  std::string decision_path;
  struct RequestBody {
    uint64_t max_bytes = 8192;
    bool allow_partial = true;
    bool pack_as_bytes = false;
  };
  std::optional<RequestBody> include_request_body;
  /// false: evaluation errors deny (fail closed, the default).
  bool fail_open = false;
  struct DecisionLog {
    AccessLog::Target target = AccessLog::Target::Off;
    std::string path;
    bool include_input = true;
    /// Field paths inside the input to replace with "<redacted>", e.g.
    /// "attributes.request.http.headers.authorization".
    std::vector<std::string> redact;
  };
  DecisionLog decision_log;
  bool v0_compatible = false;
  /// Budgets of one evaluation; a decision that exceeds one is an error
  /// (denied unless failOpen).
  struct Limits {
    uint64_t max_steps = 1'000'000;
    uint32_t max_depth = 256;
    uint64_t max_memory_bytes = 64ull << 20;
    Duration timeout = std::chrono::milliseconds(100);
  };
  Limits limits;
};

// -------------------------------------------------------------------- Workload

struct EnvVar {
  std::string name;
  std::string value;
};

struct Probe {
  enum class Kind { HttpGet, TcpSocket };
  Kind kind = Kind::TcpSocket;
  std::string path = "/";  // HttpGet
  uint16_t port = 0;       // 0: the workload's port
  Duration period = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  uint32_t failure_threshold = 3;
  uint32_t success_threshold = 1;
  Duration initial_delay{0};
};

struct Workload {
  enum class RestartPolicy { Always, OnFailure, Never };
  ObjectMeta meta;
  std::string command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  std::string working_dir;
  Labels labels;
  /// A SandboxProfile name, or a built-in profile ("strict", "http-service", "shell").
  std::string sandbox_profile;
  SourcePos sandbox_profile_pos;
  std::string address = "127.0.0.1";
  IpAddress ip;
  uint16_t port = 0;
  RestartPolicy restart_policy = RestartPolicy::Always;
  Duration backoff_initial = std::chrono::seconds(1);
  Duration backoff_max = std::chrono::seconds(30);
  std::optional<Probe> readiness_probe;
  Duration termination_grace_period = std::chrono::seconds(30);
};

/// The built-in sandbox profiles (owned by src/sandbox/, named here so that a
/// Workload can refer to them).
bool isBuiltinSandboxProfile(std::string_view name);

// -------------------------------------------------------------- external kinds

/// A document of a kind another library owns (SandboxProfile). The loader keeps
/// its spec and calls that library's validator (config/external_kinds.h).
struct ExternalObject {
  std::string api_version;
  std::string kind;
  ObjectMeta meta;
  /// The spec as parsed by yaml-cpp. Its marks are relative to the document;
  /// add `line_offset` for the file line. Never null (a Null node when absent).
  std::shared_ptr<const YAML::Node> spec;
  uint32_t line_offset = 0;
  /// The document's YAML text, for a canonical form and the dump.
  std::string spec_canonical_json;
};

}  // namespace meshgate::config
