// What every fuzz target checks besides the sanitizers: a broken promise
// aborts, so libFuzzer keeps the input as a crash reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace nfb::fuzz {

inline void require(bool ok, const char *promise) {
  if (!ok) {
    std::fprintf(stderr, "broken promise: %s\n", promise);
    std::abort();
  }
}

// Error messages are one line a user can read: no newline, no control
// character, not empty.
inline bool is_one_line(std::string_view text) {
  if (text.empty())
    return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return false;
  return true;
}

} // namespace nfb::fuzz
