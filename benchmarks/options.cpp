#include "options.h"

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/core.h>

namespace nfb {

namespace {

// The user's text as a one-line message can quote it: a control character
// (a newline inside a quoted shell argument) shown as \xNN.
std::string printable(std::string_view text) {
  std::string shown;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f)
      shown += fmt::format("\\x{:02x}", byte);
    else
      shown += c;
  }
  return shown;
}

// Google Benchmark's reading of a bool flag: bare or any value but a false one.
bool is_true_flag(std::string_view arg, std::string_view name) {
  if (arg == name)
    return true;
  if (arg.substr(0, name.size()) != name || arg.size() <= name.size() ||
      arg[name.size()] != '=')
    return false;
  std::string value(arg.substr(name.size() + 1));
  for (auto &c : value)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (value.size() == 1)
    return std::isalnum(static_cast<unsigned char>(value[0])) && value != "0" &&
           value != "f" && value != "n";
  return !(value == "false" || value == "no" || value == "off");
}

} // namespace

int parse_int_flag(std::string_view flag, std::string_view text, int lo, int hi,
                   std::string_view what) {
  int value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo ||
      value > hi)
    throw std::invalid_argument(
        fmt::format("{} wants {} from {} to {}, not '{}'", flag, what, lo, hi,
                    printable(text)));
  return value;
}

ProbeKind parse_probe_flag(std::string_view text) {
  auto kind = parse_probe_kind(text);
  if (!kind)
    throw std::invalid_argument(
        fmt::format("--probe wants auto, fentry, kprobe or bracket, not '{}'",
                    printable(text)));
  return *kind;
}

Options take_options(int *argc, char **argv) {
  Options o;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 11) == "--duration=") {
      o.duration_s = parse_int_flag("--duration", arg.substr(11), 1,
                                    kMaxDurationS, "whole seconds");
    } else if (arg.substr(0, 14) == "--extra_rules=") {
      o.extra_rules = parse_int_flag("--extra_rules", arg.substr(14), 0,
                                     kMaxExtraRules, "a rule count");
    } else if (arg.substr(0, 8) == "--probe=") {
      o.probe = parse_probe_flag(arg.substr(8));
    } else if (arg == "--duration" || arg == "--probe" ||
               arg == "--extra_rules") {
      throw std::invalid_argument(
          fmt::format("{} wants a value: {}=VALUE", arg, arg));
    } else {
      if (is_true_flag(arg, "--benchmark_list_tests"))
        o.list_only = true;
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  argv[kept] = nullptr;
  return o;
}

std::string options_help() {
  return fmt::format(
      "nf_bench: what a long iptables OUTPUT chain costs (run as root)\n"
      "  --duration=SECONDS   length of one iperf3 run = one iteration "
      "(1..{}, default 2)\n"
      "  --probe=KIND         auto (default), fentry, kprobe or bracket\n"
      "  --extra_rules=N      N more never-matching rules in every chain, "
      "e.g. to\n"
      "                       produce a known regression (default 0)\n"
      "  NF_BENCH_DEBUG=1     print libbpf's messages (verifier logs)\n"
      "Benchmarks: Chain/<rules> for rules = 0, 100, ... 3000\n"
      "Google Benchmark's own flags follow.\n\n",
      kMaxDurationS);
}

} // namespace nfb
