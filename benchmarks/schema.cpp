#include "schema.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <vector>

#include "probe_strategy.h"

namespace nfb {

namespace {

const char *to_string(Aggregation a) {
  switch (a) {
  case Aggregation::Run:
    return "run";
  case Aggregation::AvgIterations:
    return "avg_iterations";
  case Aggregation::Gbench:
    return "gbench";
  case Aggregation::Context:
    break;
  }
  return "context";
}

std::string_view name(Workload w) { return row(w).name; }

// The row tags of a mask, by name: ["tcp_bulk", "udp_max", "remedy"].
nlohmann::ordered_json row_names(unsigned rows) {
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  for (const WorkloadRow &w : kWorkloads)
    if (rows & bit(w.id))
      names.push_back(w.name);
  if (rows & kRemedyRows)
    names.push_back("remedy");
  return names;
}

nlohmann::ordered_json to_json(const Quantity &q) {
  return {{"name", q.name},
          {"where", q.where == Where::Row ? "row" : "context"},
          {"unit", q.unit},
          {"worse", q.worse},
          {"aggregation", to_string(q.aggregation)},
          {"low", q.low},
          {"high", q.high},
          {"positive", q.positive},
          {"integer", q.integer},
          {"when", q.when},
          {"rows", row_names(q.rows)}};
}

// "0, 100, ... 3000" for an even sweep of more than four values.
std::string list(std::span<const int> values) {
  const std::size_t n = values.size();
  bool even = n > 4;
  for (std::size_t i = 2; even && i < n; ++i)
    even = values[i] - values[i - 1] == values[1] - values[0];
  if (even)
    return fmt::format("{}, {}, ... {}", values[0], values[1], values[n - 1]);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += (i ? ", " : "") + std::to_string(values[i]);
  return out;
}

nlohmann::ordered_json to_json(const Family &f) {
  nlohmann::ordered_json args = nlohmann::ordered_json::array();
  if (!f.lead.empty())
    args.push_back(f.lead);
  args.push_back(f.x);
  return {{"name", f.name},
          {"backend", f.backend},
          {"workload", name(f.workload)},
          {"remedy", f.remedy},
          {"args", args},
          {"leads", std::vector<int>(f.leads.begin(), f.leads.end())},
          {"points", std::vector<int>(f.xs.begin(), f.xs.end())},
          {"datagrams_per_s", row(f.workload).datagrams_per_s}};
}

nlohmann::ordered_json to_json(const WorkloadRow &w) {
  return {{"name", w.name},
          {"summary", w.summary},
          {"rate", w.rate},
          {"timing", w.timing == Timing::EachRun ? "each_run" : "clock"},
          {"datagrams_per_s", w.datagrams_per_s}};
}

nlohmann::ordered_json to_json(const BackendSchema &b) {
  return {{"name", b.name},
          {"summary", b.summary},
          {"compared_with", b.compared_with},
          {"hook_type", b.hook_type},
          {"table_function", b.table_function}};
}

template <typename Rows>
nlohmann::ordered_json to_json_array(const Rows &rows) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto &r : rows)
    out.push_back(to_json(r));
  return out;
}

} // namespace

std::string describe_families() {
  std::string out;
  for (const Family &f : kFamilies) {
    std::string args = f.lead.empty() ? "" : fmt::format("/<{}>", f.lead);
    out += fmt::format("  {}{}/<{}> ({}, {}): ", f.name, args, f.x, f.backend,
                       name(f.workload));
    if (!f.lead.empty())
      out += fmt::format("{} = {}; ", f.lead, list(f.leads));
    out += fmt::format("{} = {}\n", f.x, list(f.xs));
  }
  return out;
}

std::string schema_json(std::span<const BackendSchema> backends) {
  nlohmann::ordered_json out;
  out["schema_version"] = kSchemaVersion;
  out["quantities"] = to_json_array(kQuantities);
  out["workloads"] = to_json_array(kWorkloads);
  out["backends"] = to_json_array(backends);
  out["families"] = to_json_array(kFamilies);
  out["probes"] = nlohmann::ordered_json::array();
  for (const ProbeStrategy &p : kProbeStrategies)
    out["probes"].push_back({{"name", p.name}, {"needs", p.needs}});
  return out.dump(2) + "\n";
}

} // namespace nfb
