#include "counters.h"

#include <stdexcept>

namespace nfb {

namespace {

const Quantity &quantity(std::string_view name) {
  for (const auto &q : kQuantities)
    if (q.name == name)
      return q;
  throw std::logic_error("unreachable: CounterName/ContextName checked it");
}

void set_quantity(benchmark::State &state, const Quantity &q, double value) {
  const auto flags = q.aggregation == Aggregation::AvgIterations
                         ? benchmark::Counter::kAvgIterations
                         : benchmark::Counter::kDefaults;
  state.counters[std::string(q.name)] = benchmark::Counter(value, flags);
}

} // namespace

void set_counter(benchmark::State &state, CounterName name, double value) {
  set_quantity(state, quantity(name.name), value);
}

void set_rate(benchmark::State &state, const WorkloadRow &workload,
              double value) {
  set_quantity(state, quantity(workload.rate), value);
}

void add_context_number(ContextName name, const std::string &text) {
  benchmark::AddCustomContext(std::string(name.name), text);
}

} // namespace nfb
