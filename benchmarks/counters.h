// Writing the quantities of schema.h: the only way benchmarks set a counter
// or a numeric context entry, so each name and its aggregation come from the
// one declaration.
#pragma once

#include <string>

#include <benchmark/benchmark.h>

#include "schema.h"

namespace nfb {

void set_counter(benchmark::State &state, CounterName name, double value);
// Its rate counter (schema.h checks at compile time that it is declared).
void set_rate(benchmark::State &state, const WorkloadRow &workload,
              double value);

// A numeric context entry, as text (Google Benchmark's context is strings).
void add_context_number(ContextName name, const std::string &text);

} // namespace nfb
