// Fuzz target: flag values as nf_bench and nf_watch read them
// (benchmarks/options.h). The input is the text after "--flag=". Each parser
// returns a value that is what the text says, or throws a one-line
// std::invalid_argument; nothing else.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "check.h"
#include "options.h"

using nfb::fuzz::is_one_line;
using nfb::fuzz::require;

namespace {

// A decimal integer as std::from_chars reads one: optional '-', digits.
bool is_decimal(std::string_view text) {
  if (!text.empty() && text.front() == '-')
    text.remove_prefix(1);
  if (text.empty())
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  return true;
}

void int_flag(std::string_view text, int lo, int hi) {
  try {
    const int v = nfb::parse_int_flag("--flag", text, lo, hi, "a number");
    require(lo <= v && v <= hi, "parse_int_flag stays in its range");
    require(is_decimal(text), "parse_int_flag takes only decimal integers");
  } catch (const std::invalid_argument &e) {
    require(is_one_line(e.what()), "parse_int_flag's error is one line");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);

  // The ranges nf_bench and nf_watch use, the widest, and an empty one.
  int_flag(text, 1, nfb::kMaxDurationS);
  int_flag(text, 0, nfb::kMaxExtraRules);
  int_flag(text, 0, 1000000);
  int_flag(text, INT_MIN, INT_MAX);
  int_flag(text, 1, 0);

  try {
    const nfb::ProbeStrategy *strategy = nfb::parse_probe_flag(text);
    require(text == (strategy ? strategy->name : nfb::kAutoProbe),
            "parse_probe_flag takes only names");
  } catch (const std::invalid_argument &e) {
    require(is_one_line(e.what()), "parse_probe_flag's error is one line");
  }
  return 0;
}
