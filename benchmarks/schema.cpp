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
          {"integer", q.integer},
          {"when", q.when}};
}

} // namespace

std::string describe_families() {
  std::string out;
  for (const Family &f : kFamilies) {
    const std::string rules = fmt::format("rules = {}, {}, ... {}", f.first,
                                          f.first + f.step, f.last);
    out +=
        f.callbacks.empty()
            ? fmt::format("  {}/<rules> ({}): {}\n", f.name, f.backend, rules)
            : fmt::format("  {}/<callbacks>/<rules> ({}): callbacks = "
                          "{}..{}, {}\n",
                          f.name, f.backend, f.callbacks.front(),
                          f.callbacks.back(), rules);
  }
  return out;
}

static nlohmann::ordered_json to_json(const Family &f) {
  nlohmann::ordered_json args = nlohmann::ordered_json::array();
  if (!f.callbacks.empty())
    args.push_back("callbacks");
  args.push_back("rules");
  return {
      {"name", f.name},
      {"args", args},
      {"callbacks", std::vector<int>(f.callbacks.begin(), f.callbacks.end())},
      {"first", f.first},
      {"last", f.last},
      {"step", f.step},
      {"backend", f.backend}};
}

std::string schema_json() {
  nlohmann::ordered_json out;
  out["quantities"] = nlohmann::ordered_json::array();
  for (const Quantity &q : kQuantities)
    out["quantities"].push_back(to_json(q));
  out["families"] = nlohmann::ordered_json::array();
  for (const Family &f : kFamilies)
    out["families"].push_back(to_json(f));
  out["probes"] = nlohmann::ordered_json::array();
  for (const ProbeStrategy &p : kProbeStrategies)
    out["probes"].push_back({{"name", p.name}, {"needs", p.needs}});
  return out.dump(2) + "\n";
}

} // namespace nfb
