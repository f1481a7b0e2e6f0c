// Family Chain/<rules>: the sender's OUTPUT chain holds <rules> never-matching
// rules; one iteration is one iperf3 client run.
#pragma once

#include <memory>

#include <benchmark/benchmark.h>

#include "environment.h"

namespace nfb {

inline constexpr int kChainMaxRules = 3000;
inline constexpr int kChainRuleStep = 100;

// `env` is filled in by main after registration (listing needs no root).
void register_chain_benchmarks(const std::unique_ptr<BenchEnvironment> &env);

// How many benchmark runs ended in SkipWithError (nf_bench then exits 1).
int failed_benchmark_runs();

// Runs one Chain benchmark against `env`; public for the integration tests.
void run_chain_benchmark(benchmark::State &state, BenchEnvironment &env);

} // namespace nfb
