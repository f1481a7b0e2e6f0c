// Fuzz target: nf_bench's command line (nfb::take_options, benchmarks/
// options.h). The input split on NUL bytes is argv after the program name.
// take_options returns options in range and leaves Google Benchmark the
// other arguments, in order, or throws a one-line std::invalid_argument;
// nothing else.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "options.h"

using nfb::fuzz::is_one_line;
using nfb::fuzz::require;

namespace {

std::vector<std::string> arguments(std::string_view input) {
  std::vector<std::string> args{"nf_bench"};
  for (;;) {
    const std::size_t nul = input.find('\0');
    args.emplace_back(input.substr(0, nul));
    if (nul == std::string_view::npos)
      return args;
    input.remove_prefix(nul + 1);
  }
}

bool is_own_flag(std::string_view arg) {
  for (std::string_view own : {"--duration=", "--probe=", "--extra_rules="})
    if (arg.substr(0, own.size()) == own)
      return true;
  return false;
}

// argv[0..argc) keeps the program name and a subsequence of the arguments
// (the same strings, in order), none of them nf_bench's own.
void check_left(const std::vector<char *> &original, char **argv, int argc) {
  require(argc >= 1 && static_cast<std::size_t>(argc) < original.size(),
          "argc shrinks or stays");
  require(argv[argc] == nullptr, "argv[argc] is null");
  require(argv[0] == original[0], "the program name stays first");
  std::size_t from = 1;
  for (int i = 1; i < argc; ++i) {
    while (from < original.size() && original[from] != argv[i])
      ++from;
    require(from < original.size(), "what is left is the input, in order");
    require(!is_own_flag(argv[i]), "nf_bench's own flags are taken out");
    ++from;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  std::vector<std::string> args =
      arguments({reinterpret_cast<const char *>(data), size});
  std::vector<char *> argv;
  for (auto &arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::vector<char *> original = argv;
  int argc = static_cast<int>(args.size());

  try {
    const nfb::Options o = nfb::take_options(&argc, argv.data());
    require(1 <= o.duration_s && o.duration_s <= nfb::kMaxDurationS,
            "duration in range");
    require(0 <= o.extra_rules && o.extra_rules <= nfb::kMaxExtraRules,
            "extra_rules in range");
    check_left(original, argv.data(), argc);
  } catch (const std::invalid_argument &e) {
    require(is_one_line(e.what()), "take_options' error is one line");
  }
  return 0;
}
