// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/registry.h"

#include <algorithm>

namespace meshgate::rego {

void BuiltinRegistry::add(std::string name, int arity, BuiltinFn fn, uint32_t flags) {
  auto def = std::make_unique<BuiltinDef>();
  def->name = name;
  def->arity = arity;
  def->fn = fn;
  def->flags = flags;
  defs_[std::move(name)] = std::move(def);
}

const BuiltinDef* BuiltinRegistry::find(std::string_view name) const {
  auto it = defs_.find(std::string(name));
  return it == defs_.end() ? nullptr : it->second.get();
}

std::vector<const BuiltinDef*> BuiltinRegistry::all() const {
  std::vector<const BuiltinDef*> out;
  for (const auto& [n, d] : defs_)
    out.push_back(d.get());
  std::sort(out.begin(), out.end(),
            [](const BuiltinDef* a, const BuiltinDef* b) { return a->name < b->name; });
  return out;
}

const BuiltinRegistry& BuiltinRegistry::standard() {
  static const BuiltinRegistry* const kRegistry = makeStandard().release();
  return *kRegistry;
}

std::unique_ptr<BuiltinRegistry> BuiltinRegistry::makeStandard() {
  {
    auto r = std::make_unique<BuiltinRegistry>();
    registerComparison(*r);
    registerArithmetic(*r);
    registerAggregates(*r);
    registerSets(*r);
    registerTypes(*r);
    registerStrings(*r);
    registerTemplate(*r);
    registerObjects(*r);
    registerArrays(*r);
    registerConversions(*r);
    registerEncoding(*r);
    registerUnits(*r);
    registerRegex(*r);
    registerGlobsMatch(*r);
    registerGlob(*r);
    registerGraph(*r);
    registerGraphql(*r);
    registerJson(*r);
    registerJsonSchema(*r);
    registerTime(*r);
    registerNet(*r);
    registerJwt(*r);
    registerCrypto(*r);
    registerBits(*r);
    registerSemver(*r);
    registerUuid(*r);
    registerRand(*r);
    registerTracing(*r);
    registerHttp(*r);
    registerProviders(*r);
    return r;
  }
}

}  // namespace meshgate::rego
