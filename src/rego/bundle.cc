// SPDX-License-Identifier: Apache-2.0
#include "rego/bundle.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/file.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

RegoError fileError(const std::string& file, std::string msg) {
  RegoError e;
  e.code = "rego_load_error";
  e.message = std::move(msg);
  e.file = file;
  return e;
}

bool isDataFile(const std::string& name, DataFiles mode) {
  if (mode == DataFiles::BundleNames)
    return name == "data.json" || name == "data.yaml" || name == "data.yml";
  return endsWith(name, ".json") || endsWith(name, ".yaml") || endsWith(name, ".yml");
}

void loadFile(PolicySet* set, const std::string& path, const std::vector<std::string>& prefix,
              const LoadOptions& options, RegoErrors* errors) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    errors->push_back(fileError(path, "no such file or directory"));
    return;
  }
  if (static_cast<size_t>(st.st_size) > options.max_file_bytes) {
    errors->push_back(fileError(path, "file too large"));
    return;
  }
  auto text = base::readFile(path);
  if (!text.ok()) {
    errors->push_back(fileError(path, text.error().describe()));
    return;
  }
  if (endsWith(path, ".rego")) {
    auto r = set->addModule(path, std::move(*text));
    if (!r.ok()) errors->insert(errors->end(), r.errors().begin(), r.errors().end());
    return;
  }
  base::Result<Value> v = endsWith(path, ".json") ? parseJson(*text) : parseYaml(*text);
  if (!v.ok()) {
    errors->push_back(fileError(path, v.error().message));
    return;
  }
  Value doc = *v;
  if (prefix.empty() && !doc.isObject()) {
    errors->push_back(fileError(path, "data file at the root must contain an object"));
    return;
  }
  auto st2 = set->addData(prefix, doc);
  if (!st2.ok()) errors->push_back(fileError(path, st2.error().message));
}

void loadDir(PolicySet* set, const std::string& dir, std::vector<std::string>& prefix,
             const LoadOptions& options, RegoErrors* errors, int depth) {
  if (depth > 64) {
    errors->push_back(fileError(dir, "directory nesting too deep"));
    return;
  }
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    errors->push_back(fileError(dir, "cannot open directory"));
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.empty() || n[0] == '.') continue;
    names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string full = dir + "/" + n;
    struct stat st;
    if (stat(full.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      prefix.push_back(n);
      loadDir(set, full, prefix, options, errors, depth + 1);
      prefix.pop_back();
    } else if (endsWith(n, ".rego") || isDataFile(n, options.data_files)) {
      loadFile(set, full, prefix, options, errors);
    }
  }
}

}  // namespace

RegoErrors loadPath(PolicySet* set, const std::string& path, const LoadOptions& options) {
  RegoErrors errors;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    errors.push_back(fileError(path, "no such file or directory"));
    return errors;
  }
  std::vector<std::string> prefix;
  if (S_ISDIR(st.st_mode)) {
    loadDir(set, path, prefix, options, &errors, 0);
  } else {
    loadFile(set, path, prefix, options, &errors);
  }
  return errors;
}

Checked<Bundle> loadBundle(const std::string& directory, const LoadOptions& options) {
  PolicySet set(options.engine);
  Bundle b;
  b.directory = directory;
  RegoErrors errors;
  auto manifest = base::readFile(directory + "/.manifest");
  if (manifest.ok()) {
    auto m = parseJson(*manifest);
    if (!m.ok() || !m->isObject()) {
      errors.push_back(
          fileError(directory + "/.manifest", "invalid manifest: must be a JSON object"));
    } else {
      if (const Value* rev = m->field("revision")) {
        if (rev->isString()) b.revision = std::string(rev->asString());
      }
      if (const Value* roots = m->field("roots")) {
        for (const auto& r : roots->items()) {
          if (r.isString()) b.roots.emplace_back(r.asString());
        }
      }
    }
  }
  RegoErrors load = loadPath(&set, directory, options);
  errors.insert(errors.end(), load.begin(), load.end());
  if (!errors.empty()) return errors;
  set.setRevision(b.revision);
  auto plan = set.compile();
  if (!plan.ok()) return plan.errors();
  b.plan = plan.value();
  return b;
}

}  // namespace meshgate::rego
