// Which nf_bench wrote a result: `git describe --always --dirty` of the
// source at build time (benchmarks/version.cmake), "unknown" outside git.
#pragma once

namespace nfb {

extern const char *const kNfBenchVersion;

} // namespace nfb
