#include "schema.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "probe_strategy.h"

namespace nfb {

namespace {

const char *to_string(Aggregation a) {
  switch (a) {
  case Aggregation::Run:
    return "run";
  case Aggregation::AvgIterations:
    return "avg_iterations";
  case Aggregation::Context:
    break;
  }
  return "context";
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
          {"integer", q.integer}};
}

} // namespace

std::string describe_families() {
  std::string out;
  for (const Family &f : kFamilies)
    out += fmt::format("{}  {}/<{}> ({}) for {} = {}, {}, ... {}",
                       out.empty() ? "" : "\n", f.name, f.arg, f.backend, f.arg,
                       f.first, f.first + f.step, f.last);
  return out;
}

std::string schema_json() {
  nlohmann::ordered_json out;
  out["quantities"] = nlohmann::ordered_json::array();
  for (const Quantity &q : kQuantities)
    out["quantities"].push_back(to_json(q));
  out["families"] = nlohmann::ordered_json::array();
  for (const Family &f : kFamilies)
    out["families"].push_back({{"name", f.name},
                               {"args", {f.arg}},
                               {"first", f.first},
                               {"last", f.last},
                               {"step", f.step},
                               {"backend", f.backend}});
  out["probes"] = nlohmann::ordered_json::array();
  for (const ProbeStrategy &p : kProbeStrategies)
    out["probes"].push_back({{"name", p.name}, {"needs", p.needs}});
  return out.dump(2) + "\n";
}

} // namespace nfb
