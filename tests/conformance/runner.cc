// SPDX-License-Identifier: Apache-2.0
// Runs OPA's Rego conformance cases (YAML, see ../shared/conformance/rego/
// PROVENANCE.md) against the engine and reports pass/fail/skip per category.
//
//   rego_conformance [--dir DIR] [--filter SUBSTR] [--verbose]
//                    [--baseline FILE] [--write-passing FILE] [--skips FILE]
//
// With --baseline, exits non-zero when a case listed there no longer passes
// (the baseline may only grow).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "rego/compile/compiler.h"
#include "rego/eval/evaluator.h"
#include "rego/syntax/parser.h"
#include "rego/value/json.h"

using namespace meshgate;
using namespace meshgate::rego;

namespace {

// test.sleep, as OPA's test harness registers it: sleeps, returns null.
Value testSleep(BuiltinContext& c, std::span<const Value> args) {
  if (!args[0].isString()) {
    c.typeError("operand 1 must be string");
    return Value();
  }
  std::string_view s = args[0].asString();
  long ms = std::strtol(std::string(s).c_str(), nullptr, 10);
  if (s.ends_with("ms")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  } else if (s.ends_with("s")) {
    std::this_thread::sleep_for(std::chrono::seconds(ms));
  }
  return Value::null();
}

const BuiltinRegistry& testBuiltins() {
  static const BuiltinRegistry* const kRegistry = [] {
    auto r = BuiltinRegistry::makeStandard();
    r->add("test.sleep", 1, testSleep, kVoid);
    return r.release();
  }();
  return *kRegistry;
}

struct Options {
  std::string dir = MG_CONFORMANCE_DIR;
  std::string filter;
  bool verbose = false;
  std::string baseline;
  std::string write_passing;
  std::string skips;
  bool markdown = false;
};

struct Tally {
  int pass = 0;
  int fail = 0;
  int skip = 0;
};

std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Results are compared after a JSON round trip, as OPA's test harness does:
// sets become arrays and non-string object keys become strings.
Value jsonNormalize(const Value& v) {
  switch (v.kind()) {
    case Kind::Array:
    case Kind::Set: {
      std::vector<Value> items;
      for (const auto& i : v.items())
        items.push_back(jsonNormalize(i));
      return Value::array(std::move(items));
    }
    case Kind::Object: {
      std::vector<ObjectEntry> es;
      for (const auto& e : v.entries()) {
        Value k = e.key.isString() ? e.key : Value::string(toJson(e.key));
        es.push_back({k, jsonNormalize(e.value)});
      }
      return Value::object(std::move(es));
    }
    default:
      return v;
  }
}

struct CaseResult {
  bool pass = false;
  std::string why;
};

CaseResult runCase(const Value& tc, bool with_nd_cache) {
  CaseResult res;
  std::vector<std::shared_ptr<const Module>> modules;
  if (const Value* mods = tc.field("modules")) {
    size_t i = 0;
    for (const auto& m : mods->items()) {
      auto parsed = parseModule("test-" + std::to_string(i) + ".rego", std::string(m.asString()));
      ++i;
      if (!parsed.ok()) {
        res.why = "parse: " + describeErrors(parsed.errors());
        return res;
      }
      modules.push_back(std::make_shared<Module>(std::move(parsed.value())));
    }
  }
  Value data = Value::emptyObject();
  if (const Value* d = tc.field("data")) {
    if (d->isObject()) data = *d;
  }
  CompileOptions co;
  co.builtins = &testBuiltins();
  auto plan = compilePlan(modules, data, co);
  if (!plan.ok()) {
    res.why = "compile: " + describeErrors(plan.errors());
    return res;
  }
  const Value* qv = tc.field("query");
  auto query = parseQuery(std::string(qv->asString()));
  if (!query.ok()) {
    res.why = "query parse: " + describeErrors(query.errors());
    return res;
  }
  auto cq = compileQuery(plan.value(), query.value(), co);
  if (!cq.ok()) {
    res.why = "query compile: " + describeErrors(cq.errors());
    return res;
  }
  Value input;
  if (const Value* it = tc.field("input_term")) {
    auto t = parseTermText(std::string(it->asString()));
    if (t.ok()) input = termToValue(*t->term);
  } else if (const Value* in = tc.field("input")) {
    input = *in;
  }
  if (const Value* env = tc.field("env")) {
    for (const auto& e : env->entries()) {
      setenv(std::string(e.key.asString()).c_str(), std::string(e.value.asString()).c_str(), 1);
    }
  }
  EvalOptions opts;
  const Value* strict = tc.field("strict_error");
  opts.strict_builtin_errors = strict != nullptr && strict->isTrue();
  NdCache nd;
  if (with_nd_cache) opts.nd_cache = &nd;
  opts.budget.timeout = std::chrono::seconds(10);
  opts.allow_dns = true;
  Evaluator ev;
  auto out = ev.query(*cq.value(), input, opts);

  const Value* want_code = tc.field("want_error_code");
  const Value* want_error = tc.field("want_error");
  const Value* want_result = tc.field("want_result");
  if (want_code != nullptr || want_error != nullptr) {
    if (out.ok()) {
      res.why = "expected an error, got " + std::to_string(out->rows.size()) + " result(s)";
      return res;
    }
    const RegoError& err = out.errors()[0];
    if (want_code != nullptr && err.code != want_code->asString()) {
      res.why = "error code " + err.code + " != " + std::string(want_code->asString()) + " (" +
                err.describe() + ")";
      return res;
    }
    if (want_error != nullptr && err.describe().find(want_error->asString()) == std::string::npos) {
      res.why =
          "error text '" + err.describe() + "' lacks '" + std::string(want_error->asString()) + "'";
      return res;
    }
    res.pass = true;
    return res;
  }
  if (!out.ok()) {
    res.why = "unexpected error: " + out.errors()[0].describe();
    return res;
  }
  if (want_result == nullptr) {
    res.why = "case has no expectation";
    return res;
  }
  const Value* sb = tc.field("sort_bindings");
  bool sort_bindings = sb != nullptr && sb->isTrue();
  std::vector<Value> got;
  for (const auto& row : out->rows) {
    std::vector<ObjectEntry> es;
    for (size_t i = 0; i < row.values.size(); ++i) {
      Value v = jsonNormalize(row.values[i]);
      if (sort_bindings && v.isArray()) {
        std::vector<Value> items = v.items();
        std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return a < b; });
        v = Value::array(std::move(items));
      }
      es.push_back({Value::string(out->names[i]), v});
    }
    got.push_back(Value::object(std::move(es)));
  }
  std::vector<Value> want;
  for (const auto& w : want_result->items())
    want.push_back(jsonNormalize(w));
  Value gs = Value::set(got);
  Value ws = Value::set(want);
  if (gs != ws) {
    res.why =
        "result mismatch:\n      want: " + toRegoString(ws) + "\n      got:  " + toRegoString(gs);
    return res;
  }
  res.pass = true;
  return res;
}

std::set<std::string> readLines(const std::string& path) {
  std::set<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.insert(line);
  }
  return out;
}

// Lines of "file#index<TAB>reason".
std::map<std::string, std::string> readSkips(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      out[line] = "";
    } else {
      out[line.substr(0, tab)] = line.substr(tab + 1);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--dir") {
      o.dir = next();
    } else if (a == "--filter") {
      o.filter = next();
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a == "--baseline") {
      o.baseline = next();
    } else if (a == "--write-passing") {
      o.write_passing = next();
    } else if (a == "--skips") {
      o.skips = next();
    } else if (a == "--markdown") {
      o.markdown = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  std::map<std::string, std::string> skips;
  if (!o.skips.empty()) skips = readSkips(o.skips);
  std::map<std::string, Tally> by_category;
  std::vector<std::string> passing;
  std::set<std::string> failing;
  Tally total;
  for (const std::string& cat : listDir(o.dir)) {
    for (const std::string& file : listDir(o.dir + "/" + cat)) {
      std::string path = o.dir + "/" + cat + "/" + file;
      auto text = base::readFile(path);
      if (!text.ok()) continue;
      auto doc = parseYaml(*text);
      if (!doc.ok()) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), doc.error().message.c_str());
        continue;
      }
      const Value* cases = doc->field("cases");
      if (cases == nullptr) continue;
      size_t index = 0;
      for (const auto& tc : cases->items()) {
        std::string note(tc.field("note")->asString());
        // Notes repeat across files; the stable id is file#index.
        std::string id = cat + "/" + file + "#" + std::to_string(index++);
        if (!o.filter.empty() && note.find(o.filter) == std::string::npos &&
            cat.find(o.filter) == std::string::npos)
          continue;
        Tally& t = by_category[cat];
        if (skips.count(id) != 0) {
          ++t.skip;
          ++total.skip;
          continue;
        }
        CaseResult r = runCase(tc, false);
        if (r.pass) {
          r = runCase(tc, true);
          if (!r.pass) r.why = "(with ND builtin cache) " + r.why;
        }
        if (r.pass) {
          ++t.pass;
          ++total.pass;
          passing.push_back(id + "\t" + note);
        } else {
          ++t.fail;
          ++total.fail;
          failing.insert(id);
          if (o.verbose)
            std::printf("FAIL %s (%s)\n    %s\n", note.c_str(), path.c_str(), r.why.c_str());
        }
      }
    }
  }
  if (o.markdown) {
    std::printf("| category | pass | fail | skip |\n|---|---:|---:|---:|\n");
    for (const auto& [cat, t] : by_category)
      std::printf("| %s | %d | %d | %d |\n", cat.c_str(), t.pass, t.fail, t.skip);
  } else {
    std::printf("%-40s %6s %6s %6s\n", "category", "pass", "fail", "skip");
    for (const auto& [cat, t] : by_category) {
      if (t.fail == 0 && t.skip == 0 && !o.verbose) continue;
      std::printf("%-40s %6d %6d %6d\n", cat.c_str(), t.pass, t.fail, t.skip);
    }
  }
  std::printf("conformance: %d passed, %d failed, %d skipped (of %d)\n", total.pass, total.fail,
              total.skip, total.pass + total.fail + total.skip);
  if (!o.write_passing.empty()) {
    std::sort(passing.begin(), passing.end());
    std::ofstream out(o.write_passing);
    out << "# Conformance cases that pass; this list may only grow (see docs/policy.md).\n";
    for (const auto& n : passing)
      out << n << "\n";
  }
  int rc = 0;
  if (!o.baseline.empty()) {
    auto idOf = [](const std::string& line) { return line.substr(0, line.find('\t')); };
    std::set<std::string> base;
    for (const auto& line : readLines(o.baseline))
      base.insert(idOf(line));
    std::set<std::string> pass_set;
    for (const auto& line : passing)
      pass_set.insert(idOf(line));
    for (const auto& n : base) {
      if (pass_set.count(n) == 0) {
        std::printf("REGRESSION: %s no longer passes\n", n.c_str());
        rc = 1;
      }
    }
    std::printf("baseline: %zu cases, %zu passing now\n", base.size(), pass_set.size());
  }
  return rc;
}
