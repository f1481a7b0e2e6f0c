// Root-only tests of the kernel-facing fixtures, in-process: the topology
// comes up inside its own namespaces and leaves nothing when it goes; the
// chain holds exactly N rules after one commit, as iptables itself reads it.
#include "rule_chain.h"
#include "topology.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/core.h>

namespace nfb {
namespace {

std::string run(const std::string &command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE *)> pipe(::popen(command.c_str(), "r"),
                                              ::pclose);
  if (!pipe)
    return out;
  std::array<char, 4096> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe.get()))
    out.append(buf.data(), n);
  return out;
}

std::string host_link_names() {
  return run("ip -o link show | awk -F': ' '{print $2}'");
}

// Does any process hold network namespace `inode` (as its own or by an fd)?
bool netns_in_use(std::uint32_t inode) {
  namespace fs = std::filesystem;
  const std::string target = fmt::format("net:[{}]", inode);
  std::error_code ec;
  for (const auto &proc : fs::directory_iterator("/proc", ec)) {
    auto ns = fs::read_symlink(proc.path() / "ns/net", ec);
    if (!ec && ns.string() == target)
      return true;
    for (const auto &fd : fs::directory_iterator(proc.path() / "fd", ec)) {
      auto link = fs::read_symlink(fd.path(), ec);
      if (!ec && link.string() == target)
        return true;
    }
  }
  return false;
}

// A command run inside `ns`, reached through this process's fd on it.
std::string in_netns(const Netns &ns, const std::string &command) {
  return fmt::format("nsenter --net=/proc/{}/fd/{} {}", ::getpid(), ns.fd(),
                     command);
}

class Fixtures : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root";
  }
};

TEST_F(Fixtures, TopologyLivesInItsOwnNamespacesAndLeavesNothing) {
  const std::string host_links = host_link_names();
  const std::string host_netns = run("ip netns list");
  std::uint32_t sender_inode = 0, receiver_inode = 0;
  {
    Topology topology;
    sender_inode = topology.sender().inode();
    receiver_inode = topology.receiver().inode();
    EXPECT_NE(sender_inode, receiver_inode);
    EXPECT_NE(sender_inode, Netns::current().inode());
    EXPECT_NE(ifindex_in(topology.sender(), TopologyAddresses::sender_link), 0);
    EXPECT_NE(ifindex_in(topology.receiver(), TopologyAddresses::receiver_link),
              0);
    EXPECT_EQ(ifindex_in(topology.sender(), TopologyAddresses::receiver_link),
              0);
    // The host sees none of it.
    EXPECT_EQ(host_link_names(), host_links);
    EXPECT_TRUE(netns_in_use(sender_inode));
    // The pair carries traffic.
    EXPECT_EQ(run(in_netns(topology.sender(),
                           fmt::format("ping -c1 -W2 {} >/dev/null 2>&1 && "
                                       "echo ok",
                                       TopologyAddresses::receiver))),
              "ok\n");
  }
  EXPECT_FALSE(netns_in_use(sender_inode));
  EXPECT_FALSE(netns_in_use(receiver_inode));
  EXPECT_EQ(host_link_names(), host_links);
  EXPECT_EQ(run("ip netns list"), host_netns);
}

TEST_F(Fixtures, TwoTopologiesAtOnceDoNotCollide) {
  Topology a;
  Topology b;
  EXPECT_NE(a.sender().inode(), b.sender().inode());
  EXPECT_NE(ifindex_in(a.sender(), TopologyAddresses::sender_link), 0);
  EXPECT_NE(ifindex_in(b.sender(), TopologyAddresses::sender_link), 0);
}

TEST_F(Fixtures, ChainHoldsExactlyNRulesAfterACommit) {
  Topology topology;
  RuleChain chain(topology.sender());
  for (std::size_t n : {0u, 1u, 3000u, 100u, 0u}) {
    chain.set_rule_count(n);
    EXPECT_EQ(chain.count_rules_in_kernel(), n);
    // iptables itself agrees, rule by rule.
    const std::string dump =
        run(in_netns(topology.sender(), "iptables-legacy-save -t filter"));
    std::size_t rules = 0;
    for (auto at = dump.find("\n-A OUTPUT "); at != std::string::npos;
         at = dump.find("\n-A OUTPUT ", at + 1))
      ++rules;
    EXPECT_EQ(rules, n) << dump.substr(0, 400);
    if (n > 0) {
      EXPECT_NE(dump.find("-A OUTPUT -d 198.19.0.1/32 -p tcp -m tcp --dport "
                          "10001 -j DROP"),
                std::string::npos)
          << dump.substr(0, 400);
    }
  }
}

} // namespace
} // namespace nfb
