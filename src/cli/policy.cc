// SPDX-License-Identifier: Apache-2.0
// `meshgate policy eval|test|check`: the Rego engine from the command line,
// with the output shapes and exit codes of `opa eval`, `opa test`, `opa check`.
#include <re2/re2.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "base/file.h"
#include "cli/commands.h"
#include "rego/bundle.h"
#include "rego/engine.h"
#include "rego/value/json.h"

namespace meshgate::cli {
namespace {

using rego::RegoError;
using rego::RegoErrors;
using rego::Value;

void usage(FILE* out) {
  std::fprintf(out,
               "usage: meshgate policy <eval|test|check> [options]\n\n"
               "  eval  [-d FILE|DIR]... [-i INPUT] [--v0-compatible] [--strict-builtin-errors]\n"
               "        [--fail] [--fail-defined] QUERY\n"
               "        evaluates QUERY and prints the result as `opa eval --format json` does\n"
               "  test  [-v] [--run REGEX] [--v0-compatible] PATH...\n"
               "        runs test_ rules as `opa test` does\n"
               "  check [--v0-compatible] PATH...\n"
               "        parses and compiles, reporting every error with its position\n");
}

std::string indentOf(int n) {
  return std::string(static_cast<size_t>(n) * 2, ' ');
}

// A JSON value nested at `depth` levels of two-space indentation.
std::string jsonAt(const Value& v, int depth) {
  rego::JsonOptions o;
  o.indent = "  ";
  o.prefix = indentOf(depth);
  return rego::toJson(v, o);
}

std::string quote(std::string_view s) {
  std::string out;
  rego::appendJsonString(out, s);
  return out;
}

void printErrors(const RegoErrors& errors) {
  std::string out = "{\n  \"errors\": [\n";
  for (size_t i = 0; i < errors.size(); ++i) {
    const RegoError& e = errors[i];
    out += "    {\n";
    out += "      \"message\": " + quote(e.message) + ",\n";
    out += "      \"code\": " + quote(e.code.empty() ? "eval_error" : e.code);
    if (!e.file.empty() || e.line != 0) {
      out += ",\n      \"location\": {\n";
      out += "        \"file\": " + quote(e.file) + ",\n";
      out += "        \"row\": " + std::to_string(e.line) + ",\n";
      out += "        \"col\": " + std::to_string(e.col) + "\n";
      out += "      }\n";
    } else {
      out += "\n";
    }
    out += i + 1 < errors.size() ? "    },\n" : "    }\n";
  }
  out += "  ]\n}\n";
  std::fputs(out.c_str(), stdout);
}

struct CommonFlags {
  std::vector<std::string> data_paths;
  bool v0 = false;
};

rego::LoadOptions loadOptions(const CommonFlags& f) {
  rego::LoadOptions lo;
  lo.engine.version = f.v0 ? rego::RegoVersion::V0 : rego::RegoVersion::V1;
  lo.data_files = rego::DataFiles::Any;
  return lo;
}

// opa.runtime(): the environment and the version, as `opa eval` reports them.
Value runtimeInfo() {
  std::vector<rego::ObjectEntry> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.push_back({Value::string(kv.substr(0, eq)), Value::string(kv.substr(eq + 1))});
  }
  return Value::object({{Value::string("env"), Value::object(std::move(env))},
                        {Value::string("version"), Value::string("meshgate")}});
}

int evalCommand(Args args) {
  CommonFlags flags;
  std::string input_path;
  std::string query;
  bool strict = false, fail = false, fail_defined = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "meshgate policy eval: %s needs a value\n", name);
        std::exit(1);
      }
      return args[++i];
    };
    if (a == "-d" || a == "--data") {
      flags.data_paths.push_back(value("-d"));
    } else if (a.rfind("--data=", 0) == 0) {
      flags.data_paths.push_back(a.substr(7));
    } else if (a == "-i" || a == "--input") {
      input_path = value("-i");
    } else if (a == "--v0-compatible") {
      flags.v0 = true;
    } else if (a == "--strict-builtin-errors") {
      strict = true;
    } else if (a == "--fail") {
      fail = true;
    } else if (a == "--fail-defined") {
      fail_defined = true;
    } else if (a == "--format" || a == "-f") {
      std::string f = value("--format");
      if (f != "json") {
        std::fprintf(stderr, "meshgate policy eval: only --format json is supported\n");
        return 1;
      }
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "meshgate policy eval: unknown flag %s\n", a.c_str());
      return 1;
    } else if (query.empty()) {
      query = a;
    } else {
      std::fprintf(stderr, "meshgate policy eval: unexpected argument %s\n", a.c_str());
      return 1;
    }
  }
  if (query.empty()) {
    std::fprintf(stderr, "meshgate policy eval: specify a query argument\n");
    return 1;
  }
  rego::LoadOptions lo = loadOptions(flags);
  rego::PolicySet set(lo.engine);
  RegoErrors errors;
  for (const auto& p : flags.data_paths) {
    RegoErrors e = rego::loadPath(&set, p, lo);
    errors.insert(errors.end(), e.begin(), e.end());
  }
  if (!errors.empty()) {
    printErrors(errors);
    return 1;
  }
  Value input;
  if (!input_path.empty()) {
    auto text = base::readFile(input_path);
    if (!text.ok()) {
      printErrors({RegoError{"rego_load_error", text.error().describe(), input_path, 0, 0}});
      return 1;
    }
    bool yaml =
        input_path.size() > 5 && (input_path.ends_with(".yaml") || input_path.ends_with(".yml"));
    auto v = yaml ? rego::parseYaml(*text) : rego::parseJson(*text);
    if (!v.ok()) {
      printErrors({RegoError{"rego_load_error", v.error().message, input_path, 0, 0}});
      return 1;
    }
    input = *v;
  }
  auto plan = set.compile();
  if (!plan.ok()) {
    printErrors(plan.errors());
    return 1;
  }
  auto pq =
      rego::PreparedQuery::prepare(plan.value(), query, lo.engine, /*capture_expressions=*/true);
  if (!pq.ok()) {
    printErrors(pq.errors());
    return 1;
  }
  rego::EvalOptions eo;
  eo.strict_builtin_errors = strict;
  eo.allow_dns = true;
  eo.runtime = runtimeInfo();
  eo.print = [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };
  rego::Evaluator ev;
  const rego::CompiledQuery& cq = pq->compiled();
  auto res = ev.query(cq, input, eo);
  if (!res.ok()) {
    printErrors(res.errors());
    return 1;
  }
  // Rows carry the output variables; captured expression values are among the
  // slots, so evaluate again is not needed: expression slots are outputs too.
  if (res->rows.empty()) {
    std::fputs("{}\n", stdout);
    return fail ? 1 : 0;
  }
  std::string out = "{\n  \"result\": [\n";
  for (size_t r = 0; r < res->rows.size(); ++r) {
    const auto& row = res->rows[r];
    out += "    {\n      \"expressions\": [\n";
    for (size_t i = 0; i < cq.expressions.size(); ++i) {
      const auto& qe = cq.expressions[i];
      Value v = Value::boolean(true);
      if (qe.slot >= 0) {
        for (size_t k = 0; k < res->names.size(); ++k) {
          if (cq.outputs[k].second == qe.slot && row.values[k].isDefined()) v = row.values[k];
        }
      }
      out += "        {\n";
      out += "          \"value\": " + jsonAt(v, 5) + ",\n";
      out += "          \"text\": " + quote(qe.text) + ",\n";
      out += "          \"location\": {\n";
      out += "            \"row\": " + std::to_string(qe.line) + ",\n";
      out += "            \"col\": " + std::to_string(qe.col) + "\n";
      out += "          }\n";
      out += i + 1 < cq.expressions.size() ? "        },\n" : "        }\n";
    }
    out += "      ]";
    std::vector<std::pair<std::string, Value>> bindings;
    for (size_t k = 0; k < res->names.size(); ++k) {
      if (res->names[k] == "__expr__") continue;
      bindings.emplace_back(res->names[k], row.values[k]);
    }
    if (!bindings.empty()) {
      out += ",\n      \"bindings\": {\n";
      for (size_t b = 0; b < bindings.size(); ++b) {
        out += "        " + quote(bindings[b].first) + ": " + jsonAt(bindings[b].second, 4);
        out += b + 1 < bindings.size() ? ",\n" : "\n";
      }
      out += "      }\n";
    } else {
      out += "\n";
    }
    out += r + 1 < res->rows.size() ? "    },\n" : "    }\n";
  }
  out += "  ]\n}\n";
  std::fputs(out.c_str(), stdout);
  return fail_defined ? 1 : 0;
}

int checkCommand(Args args) {
  CommonFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--v0-compatible") {
      flags.v0 = true;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "meshgate policy check: unknown flag %s\n", a.c_str());
      return 1;
    } else {
      flags.data_paths.push_back(a);
    }
  }
  if (flags.data_paths.empty()) {
    std::fprintf(stderr, "meshgate policy check: specify at least one file or directory\n");
    return 1;
  }
  rego::LoadOptions lo = loadOptions(flags);
  lo.data_files = rego::DataFiles::BundleNames;
  rego::PolicySet set(lo.engine);
  RegoErrors errors;
  for (const auto& p : flags.data_paths) {
    RegoErrors e = rego::loadPath(&set, p, lo);
    errors.insert(errors.end(), e.begin(), e.end());
  }
  if (errors.empty()) {
    auto plan = set.compile();
    if (!plan.ok()) errors = plan.errors();
  }
  if (errors.empty()) return 0;
  std::fprintf(stderr, "%zu error%s occurred:\n", errors.size(), errors.size() == 1 ? "" : "s");
  for (const auto& e : errors) {
    std::fprintf(stderr, "%s:%u:%u: %s: %s\n", e.file.c_str(), e.line, e.col, e.code.c_str(),
                 e.message.c_str());
  }
  return 1;
}

std::string formatDuration(std::chrono::nanoseconds d) {
  char buf[64];
  double ns = static_cast<double>(d.count());
  if (ns < 1e3) {
    std::snprintf(buf, sizeof(buf), "%.0fns", ns);
  } else if (ns < 1e6) {
    std::snprintf(buf, sizeof(buf), "%.1fµs", ns / 1e3);
  } else if (ns < 1e9) {
    std::snprintf(buf, sizeof(buf), "%.1fms", ns / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fs", ns / 1e9);
  }
  return buf;
}

struct TestCase {
  std::string file;
  std::string name;  // data.pkg.test_x
  std::vector<Value> path;
  bool skip = false;
};

int testCommand(Args args) {
  CommonFlags flags;
  bool verbose = false;
  std::string run;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-v" || a == "--verbose") {
      verbose = true;
    } else if (a == "--run" || a == "-r") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "meshgate policy test: --run needs a value\n");
        return 1;
      }
      run = args[++i];
    } else if (a == "--v0-compatible") {
      flags.v0 = true;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "meshgate policy test: unknown flag %s\n", a.c_str());
      return 1;
    } else {
      flags.data_paths.push_back(a);
    }
  }
  if (flags.data_paths.empty()) {
    std::fprintf(stderr, "meshgate policy test: specify at least one file or directory\n");
    return 1;
  }
  std::unique_ptr<RE2> filter;
  if (!run.empty()) {
    filter = std::make_unique<RE2>(run);
    if (!filter->ok()) {
      std::fprintf(stderr, "meshgate policy test: invalid --run pattern: %s\n",
                   filter->error().c_str());
      return 1;
    }
  }
  rego::LoadOptions lo = loadOptions(flags);
  rego::PolicySet set(lo.engine);
  RegoErrors errors;
  for (const auto& p : flags.data_paths) {
    RegoErrors e = rego::loadPath(&set, p, lo);
    errors.insert(errors.end(), e.begin(), e.end());
  }
  auto plan =
      errors.empty() ? set.compile() : rego::Checked<std::shared_ptr<const rego::Plan>>(errors);
  if (!plan.ok()) {
    for (const auto& e : plan.errors())
      std::fprintf(stderr, "%s\n", e.describe().c_str());
    return 1;
  }
  // Discover test rules: names starting with test_ (todo_test_ are skipped).
  std::vector<TestCase> tests;
  for (const auto& m : set.modules()) {
    std::vector<Value> pkg;
    for (size_t i = 1; i < m->package->args.size(); ++i)
      pkg.push_back(m->package->args[i]->value);
    std::string pkg_name = "data";
    for (const auto& k : pkg)
      pkg_name += "." + std::string(k.asString());
    for (const auto& r : m->rules) {
      std::string n = r.name();
      bool todo = n.rfind("todo_test_", 0) == 0;
      if (n.rfind("test_", 0) != 0 && !todo) continue;
      if (r.is_function || r.head->kind != rego::TermKind::Var) continue;
      std::string full = pkg_name + "." + n;
      bool dup = false;
      for (const auto& t : tests)
        dup = dup || t.name == full;
      if (dup) continue;
      if (filter && !RE2::PartialMatch(full, *filter)) continue;
      TestCase tc;
      tc.file = m->source->name;
      tc.name = full;
      tc.path = pkg;
      tc.path.push_back(Value::string(n));
      tc.skip = todo;
      tests.push_back(std::move(tc));
    }
  }
  struct Outcome {
    const TestCase* tc;
    std::string status;  // PASS FAIL ERROR SKIPPED
    std::string detail;
    std::chrono::nanoseconds took{0};
  };
  std::vector<Outcome> outcomes;
  rego::Evaluator ev;
  for (const auto& tc : tests) {
    Outcome o{&tc, "", "", {}};
    if (tc.skip) {
      o.status = "SKIPPED";
      outcomes.push_back(o);
      continue;
    }
    rego::EvalOptions eo;
    std::string printed;
    eo.print = [&printed](std::string_view line) {
      printed += line;
      printed += "\n";
    };
    auto start = std::chrono::steady_clock::now();
    auto v = ev.evalPath(**plan, tc.path, Value(), eo);
    o.took = std::chrono::steady_clock::now() - start;
    if (!v.ok()) {
      o.status = "ERROR";
      o.detail = v.errors()[0].describe();
    } else if (v->isTrue()) {
      o.status = "PASS";
    } else {
      o.status = "FAIL";
    }
    if (!printed.empty() && (o.status != "PASS" || verbose))
      o.detail += (o.detail.empty() ? "" : "\n") + printed;
    outcomes.push_back(o);
  }
  size_t pass = 0, fail = 0, err = 0, skip = 0;
  for (const auto& o : outcomes) {
    if (o.status == "PASS") ++pass;
    if (o.status == "FAIL") ++fail;
    if (o.status == "ERROR") ++err;
    if (o.status == "SKIPPED") ++skip;
  }
  const char* rule =
      "--------------------------------------------------------------------------------";
  bool failures = fail + err > 0;
  if (failures) {
    std::printf("FAILURES\n%s\n", rule);
    for (const auto& o : outcomes) {
      if (o.status != "FAIL" && o.status != "ERROR") continue;
      std::printf("%s: %s (%s)\n", o.tc->name.c_str(), o.status.c_str(),
                  formatDuration(o.took).c_str());
      if (!o.detail.empty()) std::printf("\n  %s\n", o.detail.c_str());
      std::printf("\n");
    }
    std::printf("SUMMARY\n%s\n", rule);
  }
  if (failures || verbose) {
    std::string last_file;
    for (const auto& o : outcomes) {
      if (o.tc->file != last_file) {
        if (!last_file.empty()) std::printf("\n");
        std::printf("%s:\n", o.tc->file.c_str());
        last_file = o.tc->file;
      }
      if (o.status == "SKIPPED") {
        std::printf("%s: SKIPPED\n", o.tc->name.c_str());
      } else {
        std::printf("%s: %s (%s)\n", o.tc->name.c_str(), o.status.c_str(),
                    formatDuration(o.took).c_str());
      }
      if (verbose && o.status == "PASS" && !o.detail.empty())
        std::printf("\n  %s\n", o.detail.c_str());
    }
    std::printf("%s\n", rule);
  }
  size_t total = outcomes.size();
  if (total == 0) {
    std::printf("no tests found\n");
    return 1;
  }
  if (pass > 0) std::printf("PASS: %zu/%zu\n", pass, total);
  if (fail > 0) std::printf("FAIL: %zu/%zu\n", fail, total);
  if (skip > 0) std::printf("SKIPPED: %zu/%zu\n", skip, total);
  if (err > 0) std::printf("ERROR: %zu/%zu\n", err, total);
  return failures ? 2 : 0;
}

}  // namespace

int policyCommand(Args args) {
  if (args.empty()) {
    usage(stderr);
    return 2;
  }
  std::string sub = args[0];
  Args rest = args.subspan(1);
  if (sub == "eval") return evalCommand(rest);
  if (sub == "test") return testCommand(rest);
  if (sub == "check") return checkCommand(rest);
  if (sub == "-h" || sub == "--help" || sub == "help") {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "meshgate policy: unknown subcommand '%s'\n\n", sub.c_str());
  usage(stderr);
  return 2;
}

}  // namespace meshgate::cli
