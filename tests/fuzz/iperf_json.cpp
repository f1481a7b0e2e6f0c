// Fuzz target: iperf3's JSON result as nf_bench reads it (fixtures/
// iperf_json.h). Any text gives finite totals >= 0 or a one-line
// std::runtime_error; iperf_json_error never throws and returns one line.
// Anything else escaping (another exception type, a crash, a sanitizer
// report) is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "check.h"
#include "iperf_json.h"

using nfb::fuzz::is_one_line;
using nfb::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);

  const std::string error = nfb::iperf_json_error(text);
  require(error.empty() || is_one_line(error), "iperf_json_error is one line");

  try {
    const nfb::ReceivedTotals totals = nfb::parse_received_totals(text);
    for (double v : {totals.bytes, totals.seconds, totals.bits_per_s})
      require(std::isfinite(v) && v >= 0, "totals are finite and >= 0");
  } catch (const std::runtime_error &e) {
    require(is_one_line(e.what()), "parse error is one line");
  }
  try {
    const nfb::UdpCounts c = nfb::parse_udp_counts(text);
    for (double v : {c.sent, c.received, c.lost})
      require(std::isfinite(v) && v >= 0, "UDP counts are finite and >= 0");
  } catch (const std::runtime_error &e) {
    require(is_one_line(e.what()), "parse error is one line");
  }
  return 0;
}
