// SPDX-License-Identifier: Apache-2.0
#include "rego/eval/evaluator.h"

#include "rego/eval/machine.h"

namespace meshgate::rego {

Evaluator::Evaluator() : m_(std::make_unique<Machine>()) {}
Evaluator::~Evaluator() = default;

Checked<QueryResult> Evaluator::query(const CompiledQuery& q, const Value& input,
                                      const EvalOptions& options) {
  QueryResult result;
  for (const auto& [name, slot] : q.outputs)
    result.names.push_back(name);
  m_->begin(q.plan.get(), input, &options);
  m_->runQuery(q, [&]() {
    QueryRow row;
    row.values.reserve(q.outputs.size());
    for (const auto& [name, slot] : q.outputs)
      row.values.push_back(m_->slotValue(slot));
    result.rows.push_back(std::move(row));
    return true;
  });
  if (auto err = m_->finish()) return RegoErrors{*err};
  return result;
}

Checked<Value> Evaluator::evalPath(const Plan& plan, const std::vector<Value>& path,
                                   const Value& input, const EvalOptions& options) {
  if (path_ref_.items.empty() || path != path_keys_) {
    CTerm ref;
    ref.kind = TKind::Ref;
    CTerm head;
    head.kind = TKind::Data;
    ref.items.push_back(std::move(head));
    for (const auto& k : path) {
      CTerm c;
      c.kind = TKind::Const;
      c.value = k;
      ref.items.push_back(std::move(c));
    }
    path_ref_ = std::move(ref);
    path_keys_ = path;
  }
  m_->begin(&plan, input, &options);
  Value out;
  m_->evalRefTerm(path_ref_, [&](const Value& v) {
    out = v;
    return false;
  });
  if (auto err = m_->finish()) return RegoErrors{*err};
  return out;
}

}  // namespace meshgate::rego
