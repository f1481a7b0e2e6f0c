// A library that ends the process (libiperf's iperf_errexit, libnftables'
// exit without a netlink socket) throws LibraryExit inside a LibraryCall
// instead: the real libraries, out of open files. Each case runs in a
// forked child (a death test), whose file table it may wreck.
#include "iperf_client.h"
#include "library_exit.h"
#include "nft_chains.h"
#include "topology.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

namespace nfb {
namespace {

constexpr int kCaught = 42, kNotCaught = 43;

// Fills the file table until only `left` more files can be opened.
std::vector<int> leave_files(int left) {
  std::vector<int> held;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;)
    held.push_back(fd);
  for (int i = 0; i < left && !held.empty(); ++i) {
    ::close(held.back());
    held.pop_back();
  }
  return held;
}

// Runs `call` with 0, 1, ... 7 files left: _exit(kCaught) at the first
// LibraryExit whose message holds `words`; kNotCaught when none.
[[noreturn]] void exits_caught(const std::function<void()> &call,
                               const std::string &words) {
  struct rlimit limit {
    256, 256
  };
  ::setrlimit(RLIMIT_NOFILE, &limit);
  for (int left = 0; left < 8; ++left) {
    std::vector<int> held = leave_files(left);
    try {
      call();
    } catch (const LibraryExit &e) {
      std::fprintf(stderr, "caught: %s\n", e.what());
      if (std::string(e.what()).find(words) != std::string::npos)
        ::_exit(kCaught);
    } catch (const std::exception &) {
      // another step ran out of files first: leave one more
    }
    for (int fd : held)
      ::close(fd);
  }
  ::_exit(kNotCaught);
}

class LibraryExits : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root (network namespaces)";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};

TEST_F(LibraryExits, InterpositionIsInPlace) {
  EXPECT_NO_THROW(check_library_exits_caught());
}

TEST_F(LibraryExits, LibiperfOutOfFilesIsAnError) {
  EXPECT_EXIT(
      {
        Topology topology;
        exits_caught(
            [&] {
              run_iperf_client(topology.sender(),
                               {"198.18.0.2", 5201, 1, 1, 0, 0, 500});
            },
            "libiperf");
      },
      ::testing::ExitedWithCode(kCaught), "caught: libiperf");
}

TEST_F(LibraryExits, LibnftablesWithoutASocketIsAnError) {
  EXPECT_EXIT(
      {
        Topology topology;
        exits_caught([&] { NftContext context(topology.sender()); },
                     "libnftables tried to end the process (exit 3)");
      },
      ::testing::ExitedWithCode(kCaught), "caught: libnftables");
}

TEST_F(LibraryExits, OutsideALibraryCallExitIsExit) {
  EXPECT_EXIT(std::exit(7), ::testing::ExitedWithCode(7), "");
}

} // namespace
} // namespace nfb
