// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the builtins that parse their operands (GraphQL, JSON
// Schema, Go templates, globs, YAML/JSON, Rego modules, time layouts, ...) must
// never crash, hang or grow without bound on any input.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rego/builtins/context.h"
#include "rego/builtins/registry.h"
#include "rego/value/json.h"

namespace {

using namespace meshgate::rego;

class FuzzContext : public BuiltinContext {
 public:
  int64_t nowNs() override { return 1700000000000000000; }
  std::mt19937_64& rng() override { return rng_; }
  void print(std::string_view) override {}
  const HttpPolicy* http() override { return nullptr; }
  std::unordered_map<std::string, Value>& valueCache() override { return cache_; }
  Value runtimeInfo() override { return Value::emptyObject(); }

 private:
  std::mt19937_64 rng_{1};
  std::unordered_map<std::string, Value> cache_;
};

constexpr const char* kTargets[] = {"graphql.parse_query",
                                    "graphql.parse_schema",
                                    "graphql.parse",
                                    "graphql.is_valid",
                                    "graphql.schema_is_valid",
                                    "graphql.parse_and_verify",
                                    "json.match_schema",
                                    "json.verify_schema",
                                    "strings.render_template",
                                    "regex.globs_match",
                                    "yaml.unmarshal",
                                    "json.unmarshal",
                                    "rego.parse_module",
                                    "sprintf",
                                    "time.parse_ns",
                                    "time.parse_duration_ns",
                                    "units.parse",
                                    "units.parse_bytes",
                                    "semver.compare",
                                    "net.cidr_merge",
                                    "glob.match",
                                    "regex.template_match",
                                    "json.patch",
                                    "io.jwt.decode",
                                    "crypto.x509.parse_certificates",
                                    "base64.decode",
                                    "urlquery.decode_object",
                                    "json.filter"};

// Splits the input at "\n---\n" into operand texts.
std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    size_t k = s.find("\n---\n");
    out.emplace_back(s.substr(0, k));
    if (k == std::string_view::npos) break;
    s.remove_prefix(k + 5);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 32 * 1024) return 0;
  const BuiltinRegistry& reg = BuiltinRegistry::standard();
  const char* name = kTargets[data[0] % (sizeof(kTargets) / sizeof(kTargets[0]))];
  const BuiltinDef* def = reg.find(name);
  if (def == nullptr) return 0;
  std::vector<std::string> parts =
      split(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  // Each operand as given (a string), and parsed as JSON when it is JSON.
  for (int variant = 0; variant < 2; ++variant) {
    std::vector<Value> args;
    for (int i = 0; i < def->arity; ++i) {
      std::string text =
          i < static_cast<int>(parts.size()) ? parts[static_cast<size_t>(i)] : std::string();
      Value v = Value::string(text);
      if (variant == 1 || i > 0) {
        auto parsed = parseJson(text);
        if (parsed.ok()) v = *parsed;
      }
      args.push_back(std::move(v));
    }
    FuzzContext ctx;
    ctx.name = name;
    (void)def->fn(ctx, args);
  }
  return 0;
}
