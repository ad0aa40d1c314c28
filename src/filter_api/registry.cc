// SPDX-License-Identifier: Apache-2.0
#include "filter_api/registry.h"

namespace meshgate::filter_api {

namespace {
std::vector<std::unique_ptr<FilterConfigFactory>>& filters() {
  static std::vector<std::unique_ptr<FilterConfigFactory>> list;
  return list;
}
}  // namespace

void registerFilter(std::unique_ptr<FilterConfigFactory> factory) {
  for (const auto& f : filters()) {
    if (f->name() == factory->name()) return;  // registered already
  }
  filters().push_back(std::move(factory));
}

const std::vector<std::unique_ptr<FilterConfigFactory>>& registeredFilters() {
  return filters();
}

void SharedState::prune() {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(objects_, [](const auto& kv) { return kv.second.use_count() == 1; });
}

}  // namespace meshgate::filter_api
