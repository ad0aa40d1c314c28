// SPDX-License-Identifier: Apache-2.0
// Files -> documents -> kinds. Documents are split on their `---` lines before
// yaml-cpp sees them, so that one syntax error costs one document, not the
// whole file, and every other document is still validated.
#include "config/loader.h"

#include <dirent.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "base/file.h"
#include "base/json_writer.h"
#include "base/strings.h"
#include "base/yaml_guard.h"
#include "config/external_kinds.h"
#include "config/parsers.h"
#include "config/references.h"

namespace meshgate::config {
namespace {

struct Chunk {
  std::string text;
  uint32_t line_offset = 0;
};

bool isMarker(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

bool hasContent(std::string_view line) {
  std::string_view t = base::trim(line);
  return !t.empty() && t[0] != '#' && !(line.size() > 0 && line[0] == '%');
}

// Splits a YAML stream at its document markers. A marker line (`---`) and
// directive lines start a document; a chunk without content absorbs the next
// marker, so "%YAML 1.2\n---" stays together.
std::vector<Chunk> splitDocuments(std::string_view text) {
  std::vector<Chunk> chunks;
  Chunk cur;
  bool cur_content = false;
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const size_t next = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view line = text.substr(pos, next - pos);
    std::string_view bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r'))
      bare.remove_suffix(1);
    if (isMarker(bare, "---")) {
      if (cur_content) {
        chunks.push_back(std::move(cur));
        cur = Chunk{};
        cur.line_offset = line_no;
        cur_content = false;
      }
      std::string_view after = base::trim(bare.substr(3));
      if (!after.empty() && after[0] != '#') cur_content = true;
      cur.text.append(line);
    } else if (isMarker(bare, "...")) {
      cur.text.append(line);
      chunks.push_back(std::move(cur));
      cur = Chunk{};
      cur.line_offset = line_no + 1;
      cur_content = false;
    } else {
      if (cur.text.empty()) cur.line_offset = line_no;
      if (hasContent(bare)) cur_content = true;
      cur.text.append(line);
    }
    ++line_no;
    pos = next;
  }
  if (cur_content) chunks.push_back(std::move(cur));
  return chunks;
}

bool isDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (std::string_view label : base::split(s, '.')) {
    if (label.empty()) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
  }
  return true;
}

bool isDns1123Label(std::string_view s) {
  return s.size() <= 63 && s.find('.') == std::string_view::npos && isDns1123Subdomain(s);
}

enum class Group { Networking, Security, Meshgate };

struct KindInfo {
  std::string_view kind;
  Group group;
};

constexpr KindInfo kKinds[] = {
    {"ServiceEntry", Group::Networking},
    {"DestinationRule", Group::Networking},
    {"VirtualService", Group::Networking},
    {"Gateway", Group::Networking},
    {"RequestAuthentication", Group::Security},
    {"AuthorizationPolicy", Group::Security},
    {"PeerAuthentication", Group::Security},
    {"Listener", Group::Meshgate},
    {"Admin", Group::Meshgate},
    {"DemoUpstream", Group::Meshgate},
    {"RateLimitPolicy", Group::Meshgate},
    {"HealthCheck", Group::Meshgate},
    {"PolicyProvider", Group::Meshgate},
    {"Workload", Group::Meshgate},
};

// Istio kinds meshgate knows of but does not implement.
constexpr std::string_view kIstioUnsupported[] = {"Sidecar",       "EnvoyFilter", "WorkloadEntry",
                                                  "WorkloadGroup", "ProxyConfig", "Telemetry",
                                                  "WasmPlugin"};

std::optional<Group> groupOf(std::string_view api_version) {
  if (api_version == "networking.istio.io/v1" || api_version == "networking.istio.io/v1beta1" ||
      api_version == "networking.istio.io/v1alpha3")
    return Group::Networking;
  if (api_version == "security.istio.io/v1" || api_version == "security.istio.io/v1beta1")
    return Group::Security;
  if (api_version == "meshgate.io/v1") return Group::Meshgate;
  return std::nullopt;
}

std::string_view groupApiVersion(Group g) {
  switch (g) {
    case Group::Networking:
      return "networking.istio.io/v1";
    case Group::Security:
      return "security.istio.io/v1";
    case Group::Meshgate:
      return "meshgate.io/v1";
  }
  return "";
}

// Canonical JSON of an arbitrary YAML node (maps sorted by key), for external specs.
void toCanonicalJson(DocContext& ctx, const YAML::Node& n, base::JsonWriter& w, int depth) {
  if (!ctx.spend(n) || depth > 200) {
    w.null();
    return;
  }
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      w.null();
      return;
    case YAML::NodeType::Scalar:
      switch (scalarKind(n)) {
        case ScalarKind::Null:
          w.null();
          return;
        case ScalarKind::Bool:
          w.boolean(base::toLower(n.Scalar()) == "true");
          return;
        case ScalarKind::Integer:
        case ScalarKind::Float:
          if (auto v = base::parseInt64(n.Scalar())) {
            w.number(*v);
            return;
          }
          w.string(n.Scalar());
          return;
        case ScalarKind::String:
          w.string(n.Scalar());
          return;
      }
      return;
    case YAML::NodeType::Sequence:
      w.beginArray();
      for (size_t i = 0; i < n.size(); ++i)
        toCanonicalJson(ctx, n[i], w, depth + 1);
      w.endArray();
      return;
    case YAML::NodeType::Map: {
      std::vector<std::pair<std::string, YAML::Node>> entries;
      for (auto it = n.begin(); it != n.end(); ++it) {
        entries.emplace_back(it->first.IsScalar() ? it->first.Scalar() : "?", it->second);
      }
      // Sort indexes, never the nodes: assigning a YAML::Node rebinds the node
      // it refers to (set_ref), so std::sort would alias the document's values.
      std::vector<size_t> order(entries.size());
      for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return entries[a].first < entries[b].first; });
      w.beginObject();
      for (size_t i : order) {
        w.key(entries[i].first);
        toCanonicalJson(ctx, entries[i].second, w, depth + 1);
      }
      w.endObject();
      return;
    }
  }
}

class Loader {
 public:
  explicit Loader(Diagnostics& diags) : diags_(diags) {}

  void loadSource(const SourceFile& file) {
    config_.sources.push_back(file.name);
    std::string_view text = file.text;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    ParseEnv env;
    const size_t slash = file.name.rfind('/');
    if (file.name.empty() || file.name[0] == '<') {
      env.base_dir.clear();
    } else {
      std::error_code ec;
      auto abs = std::filesystem::absolute(std::filesystem::path(file.name), ec);
      env.base_dir = ec ? (slash == std::string::npos ? "." : file.name.substr(0, slash))
                        : abs.parent_path().string();
    }
    for (const Chunk& chunk : splitDocuments(text)) {
      DocContext ctx(diags_, file.name, chunk.line_offset);
      std::vector<YAML::Node> docs;
      if (auto hazard = base::findYamlHazard(chunk.text)) {
        YAML::Mark mark;
        mark.line = static_cast<int>(hazard->line) - 1;
        mark.column = static_cast<int>(hazard->column) - 1;
        ctx.error(ctx.pos(mark), "YAML syntax error: " + hazard->message);
        continue;
      }
      try {
        docs = YAML::LoadAll(chunk.text);
      } catch (const YAML::Exception& e) {
        ctx.error(ctx.pos(e.mark), "YAML syntax error: " + e.msg);
        continue;
      }
      for (const YAML::Node& doc : docs) {
        try {
          loadDocument(ctx, doc, env);
        } catch (const std::exception& e) {
          ctx.error(doc, std::string("cannot read document: ") + e.what());
        }
      }
    }
  }

  ConfigSet finish() {
    sortAll();
    validateReferences(config_, diags_);
    return std::move(config_);
  }

 private:
  void loadDocument(DocContext& ctx, const YAML::Node& doc, const ParseEnv& env) {
    if (doc.IsNull()) return;  // an empty document
    MapReader top(ctx, doc, "document");
    if (!top.valid()) return;
    auto api = top.string("apiVersion");
    auto kind = top.string("kind");
    if (!api && !top.has("apiVersion")) ctx.error(top.pos(), "apiVersion is required");
    if (!kind && !top.has("kind")) ctx.error(top.pos(), "kind is required");
    if (!api || !kind) {
      top.ignore("metadata");
      top.ignore("spec");
      top.ignore("items");
      top.ignore("status");
      return;
    }
    if (*kind == "List") {
      if (*api != "v1") ctx.error(top.keyPos("apiVersion"), "a List must have apiVersion v1");
      top.ignore("metadata");
      top.list("items", [&](const YAML::Node& item, size_t) { loadDocument(ctx, item, env); });
      return;
    }
    top.ignore("status");  // server-populated; kubectl get -o yaml includes it
    if (isExternalKind(*api, *kind)) {
      loadExternal(ctx, top, *api, *kind);
      return;
    }
    auto group = groupOf(*api);
    if (!group) {
      ctx.error(
          top.keyPos("apiVersion"),
          "unsupported apiVersion \"" + *api +
              "\" (accepted: networking.istio.io/v1, v1beta1, v1alpha3; security.istio.io/v1, "
              "v1beta1; meshgate.io/v1)");
      top.ignore("metadata");
      top.ignore("spec");
      return;
    }
    const KindInfo* info = nullptr;
    for (const KindInfo& k : kKinds) {
      if (k.kind == *kind) info = &k;
    }
    if (info == nullptr || info->group != *group) {
      std::string msg;
      if (info != nullptr) {
        msg = "kind " + *kind + " does not belong to apiVersion " + *api + " (use " +
              std::string(groupApiVersion(info->group)) + ")";
      } else if (*group != Group::Meshgate &&
                 std::find(std::begin(kIstioUnsupported), std::end(kIstioUnsupported), *kind) !=
                     std::end(kIstioUnsupported)) {
        msg = "kind " + *kind + " is not supported by meshgate yet";
      } else {
        msg = "unknown kind \"" + *kind + "\" for apiVersion " + *api;
      }
      ctx.error(top.keyPos("kind"), msg);
      top.ignore("metadata");
      top.ignore("spec");
      return;
    }
    ObjectMeta meta;
    if (!readMeta(ctx, top, meta)) {
      top.ignore("spec");
      return;
    }
    auto spec_node = top.get("spec");
    YAML::Node spec = spec_node ? *spec_node : YAML::Node(YAML::NodeType::Map);
    const bool empty_ok = *kind == "AuthorizationPolicy" || *kind == "Admin" ||
                          *kind == "PeerAuthentication" || *kind == "RequestAuthentication";
    if (!spec_node && !empty_ok) {
      ctx.error(top.pos(), *kind + ": spec is required");
      return;
    }
    MapReader m(ctx, spec, *kind + ".spec");
    if (!m.valid()) return;
    dispatch(*kind, m, env, std::move(meta));
  }

  bool readMeta(DocContext& ctx, MapReader& top, ObjectMeta& meta) {
    meta.pos = top.pos();
    auto n = top.get("metadata");
    if (!n) {
      ctx.error(top.pos(), "metadata.name is required");
      return false;
    }
    MapReader m(ctx, *n, "metadata");
    if (!m.valid()) return false;
    meta.name_pos = m.keyPos("name");
    if (auto name = m.string("name")) {
      meta.name = *name;
      if (!isDns1123Subdomain(*name)) {
        ctx.error(meta.name_pos, "metadata.name: \"" + *name +
                                     "\" is not a valid name (lower-case letters, digits, '-' and "
                                     "'.'; at most 253 characters)");
      }
    } else if (!m.has("name")) {
      ctx.error(m.has("generateName") ? m.keyPos("generateName") : m.pos(),
                "metadata.name is required");
    }
    if (auto ns = m.string("namespace")) {
      if (!isDns1123Label(*ns)) {
        ctx.error(m.keyPos("namespace"),
                  "metadata.namespace: \"" + *ns + "\" is not a valid namespace");
      } else {
        meta.namespace_ = *ns;
      }
    }
    if (auto l = m.stringMap("labels")) meta.labels = std::move(*l);
    if (auto a = m.stringMap("annotations")) meta.annotations = std::move(*a);
    // Fields the API server fills in; harmless in a file exported with kubectl.
    for (const char* k : {"uid", "resourceVersion", "generation", "creationTimestamp",
                          "managedFields", "selfLink", "ownerReferences", "finalizers",
                          "generateName", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      m.ignore(k);
    }
    return !meta.name.empty();
  }

  void loadExternal(DocContext& ctx, MapReader& top, const std::string& api,
                    const std::string& kind) {
    ExternalObject obj;
    obj.api_version = api;
    obj.kind = kind;
    if (!readMeta(ctx, top, obj.meta)) {
      top.ignore("spec");
      return;
    }
    auto spec = top.get("spec");
    obj.spec = std::make_shared<const YAML::Node>(spec ? *spec : YAML::Node(YAML::NodeType::Null));
    obj.line_offset = ctx.lineOffset();
    if (spec && !spec->IsMap()) {
      ctx.error(*spec, kind + ".spec: expected a map, got " + describeNode(*spec));
    }
    if (ExternalValidator validate = externalValidator(api, kind)) {
      std::vector<ExternalIssue> issues;
      try {
        issues = validate(*obj.spec, obj.meta);
      } catch (const std::exception& e) {
        ctx.error(spec ? ctx.pos(*spec) : obj.meta.pos, kind + ": " + e.what());
      }
      for (ExternalIssue& issue : issues) {
        SourcePos pos = obj.meta.pos;
        if (issue.line >= 0) {
          YAML::Mark mark;
          mark.line = issue.line;
          mark.column = std::max(issue.column, 0);
          pos = ctx.pos(mark);
        }
        if (issue.severity == Severity::Error)
          ctx.error(pos, std::move(issue.message));
        else
          ctx.warning(pos, std::move(issue.message));
      }
    }
    std::string json;
    base::JsonWriter w(json);
    toCanonicalJson(ctx, *obj.spec, w, 0);
    obj.spec_canonical_json = std::move(json);
    config_.external_objects.push_back(std::move(obj));
  }

  void dispatch(const std::string& kind, MapReader& m, const ParseEnv& env, ObjectMeta meta) {
    auto add = [&](auto& vec, auto parse) {
      vec.emplace_back();
      vec.back().meta = std::move(meta);
      parse(vec.back());
    };
    if (kind == "ServiceEntry")
      add(config_.service_entries, [&](auto& o) { parseServiceEntry(m, o); });
    else if (kind == "DestinationRule")
      add(config_.destination_rules, [&](auto& o) { parseDestinationRule(m, o); });
    else if (kind == "VirtualService")
      add(config_.virtual_services, [&](auto& o) { parseVirtualService(m, o); });
    else if (kind == "Gateway")
      add(config_.gateways, [&](auto& o) { parseGateway(m, o); });
    else if (kind == "RequestAuthentication")
      add(config_.request_authentications, [&](auto& o) { parseRequestAuthentication(m, o); });
    else if (kind == "AuthorizationPolicy")
      add(config_.authorization_policies, [&](auto& o) { parseAuthorizationPolicy(m, o); });
    else if (kind == "PeerAuthentication")
      add(config_.peer_authentications, [&](auto& o) { parsePeerAuthentication(m, o); });
    else if (kind == "Listener")
      add(config_.listeners, [&](auto& o) { parseListener(m, env, o); });
    else if (kind == "Admin") {
      Admin a;
      a.meta = std::move(meta);
      parseAdmin(m, a);
      admins_.push_back(std::move(a));
    } else if (kind == "DemoUpstream")
      add(config_.demo_upstreams, [&](auto& o) { parseDemoUpstream(m, o); });
    else if (kind == "RateLimitPolicy")
      add(config_.rate_limit_policies, [&](auto& o) { parseRateLimitPolicy(m, o); });
    else if (kind == "HealthCheck")
      add(config_.health_checks, [&](auto& o) { parseHealthCheck(m, o); });
    else if (kind == "PolicyProvider")
      add(config_.policy_providers, [&](auto& o) { parsePolicyProvider(m, env, o); });
    else if (kind == "Workload")
      add(config_.workloads, [&](auto& o) { parseWorkload(m, o); });
  }

  void sortAll() {
    auto byKey = [](auto& vec) {
      std::stable_sort(vec.begin(), vec.end(), [](const auto& a, const auto& b) {
        if (a.meta.namespace_ != b.meta.namespace_) return a.meta.namespace_ < b.meta.namespace_;
        return a.meta.name < b.meta.name;
      });
    };
    byKey(config_.service_entries);
    byKey(config_.destination_rules);
    byKey(config_.virtual_services);
    byKey(config_.gateways);
    byKey(config_.request_authentications);
    byKey(config_.authorization_policies);
    byKey(config_.peer_authentications);
    byKey(config_.listeners);
    byKey(config_.demo_upstreams);
    byKey(config_.rate_limit_policies);
    byKey(config_.health_checks);
    byKey(config_.policy_providers);
    byKey(config_.workloads);
    std::stable_sort(config_.external_objects.begin(), config_.external_objects.end(),
                     [](const ExternalObject& a, const ExternalObject& b) {
                       return std::tie(a.kind, a.meta.namespace_, a.meta.name) <
                              std::tie(b.kind, b.meta.namespace_, b.meta.name);
                     });
    if (!admins_.empty()) {
      for (size_t i = 1; i < admins_.size(); ++i) {
        diags_.error(admins_[i].meta.pos, "only one Admin may be defined (the first is at " +
                                              admins_[0].meta.pos.toString() + ")");
      }
      config_.admin = std::move(admins_[0]);
    }
  }

  Diagnostics& diags_;
  ConfigSet config_;
  std::vector<Admin> admins_;
};

}  // namespace

base::Result<std::vector<std::string>> listConfigFiles(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return base::errnoError("cannot read config " + path);
  if (!S_ISDIR(st.st_mode)) return std::vector<std::string>{path};
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return base::errnoError("cannot open config directory " + path);
  std::vector<std::string> files;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.empty() || name[0] == '.') continue;  // hidden, ".", "..", ConfigMap's ..data
    const bool yaml = (name.size() > 5 && name.substr(name.size() - 5) == ".yaml") ||
                      (name.size() > 4 && name.substr(name.size() - 4) == ".yml");
    if (!yaml) continue;
    std::string full = path + (path.back() == '/' ? "" : "/") + std::string(name);
    struct stat fst;
    if (::stat(full.c_str(), &fst) != 0 || !S_ISREG(fst.st_mode)) continue;  // follows symlinks
    files.push_back(std::move(full));
  }
  ::closedir(dir);
  std::sort(files.begin(), files.end());
  return files;
}

LoadResult loadFiles(const std::vector<SourceFile>& files) {
  LoadResult result;
  Loader loader(result.diagnostics);
  for (const SourceFile& f : files)
    loader.loadSource(f);
  auto config = std::make_shared<ConfigSet>(loader.finish());
  const bool empty =
      config->service_entries.empty() && config->destination_rules.empty() &&
      config->virtual_services.empty() && config->gateways.empty() &&
      config->request_authentications.empty() && config->authorization_policies.empty() &&
      config->peer_authentications.empty() && config->listeners.empty() && !config->admin &&
      config->demo_upstreams.empty() && config->rate_limit_policies.empty() &&
      config->health_checks.empty() && config->policy_providers.empty() &&
      config->workloads.empty() && config->external_objects.empty();
  if (empty && !files.empty()) {
    result.diagnostics.warning(SourcePos{files.front().name, 0, 0},
                               "the configuration defines no objects");
  }
  result.diagnostics.sort();
  if (!result.diagnostics.hasErrors()) result.config = std::move(config);
  return result;
}

LoadResult loadText(std::string_view text, std::string_view name) {
  return loadFiles({SourceFile{std::string(name), std::string(text)}});
}

LoadResult loadPath(const std::string& path) {
  LoadResult result;
  auto files = listConfigFiles(path);
  if (!files.ok()) {
    result.diagnostics.error(SourcePos{path, 0, 0}, files.error().describe());
    return result;
  }
  std::vector<SourceFile> sources;
  for (const std::string& f : *files) {
    auto text = base::readFile(f);
    if (!text.ok()) {
      result.diagnostics.error(SourcePos{f, 0, 0}, text.error().describe());
      continue;
    }
    sources.push_back({f, std::move(*text)});
  }
  if (sources.empty() && !result.diagnostics.hasErrors()) {
    result.diagnostics.error(SourcePos{path, 0, 0}, "no *.yaml or *.yml files in directory");
    return result;
  }
  LoadResult loaded = loadFiles(sources);
  if (result.diagnostics.hasErrors()) {
    for (const Diagnostic& d : result.diagnostics.items())
      loaded.diagnostics.add(d);
    loaded.diagnostics.sort();
    loaded.config.reset();
  }
  return loaded;
}

}  // namespace meshgate::config
