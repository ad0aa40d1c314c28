// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/pattern_set.h"

#include <algorithm>

namespace meshgate::filters::authz {

namespace {

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void sortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::vector<uint32_t> lengthsOf(const std::vector<std::string>& v) {
  std::vector<uint32_t> out;
  for (const std::string& s : v)
    out.push_back(static_cast<uint32_t>(s.size()));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

void PatternSet::add(std::string_view pattern) {
  std::string p = case_ == Case::Insensitive ? lowerAscii(pattern) : std::string(pattern);
  // "*" first, so that it is never taken for an empty prefix or suffix.
  if (p == "*") {
    any_ = true;
  } else if (!p.empty() && p.front() == '*') {
    suffixes_.push_back(p.substr(1));
  } else if (!p.empty() && p.back() == '*') {
    p.pop_back();
    prefixes_.push_back(std::move(p));
  } else {
    exact_.push_back(std::move(p));
  }
}

void PatternSet::finalize() {
  sortUnique(exact_);
  sortUnique(prefixes_);
  sortUnique(suffixes_);
  prefix_lengths_ = lengthsOf(prefixes_);
  suffix_lengths_ = lengthsOf(suffixes_);
}

bool PatternSet::contains(const std::vector<std::string>& sorted, std::string_view key) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), key,
                             [](const std::string& a, std::string_view b) { return a < b; });
  return it != sorted.end() && *it == key;
}

bool PatternSet::matches(std::string_view text) const {
  if (any_ && !text.empty()) return true;
  if (!exact_.empty() && contains(exact_, text)) return true;
  for (uint32_t len : prefix_lengths_) {
    if (len > text.size()) break;
    if (contains(prefixes_, text.substr(0, len))) return true;
  }
  for (uint32_t len : suffix_lengths_) {
    if (len > text.size()) break;
    if (contains(suffixes_, text.substr(text.size() - len))) return true;
  }
  return false;
}

}  // namespace meshgate::filters::authz
