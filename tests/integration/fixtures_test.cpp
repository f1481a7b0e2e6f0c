// Root-only tests of the kernel-facing fixtures, in-process: the topology
// comes up inside its own namespaces and leaves nothing when it goes; each
// backend's chain holds exactly N rules after one commit, as the backend's
// own command-line tool reads it, and only that backend's table is there;
// iptables-nft's rules are what the iptables-nft command makes.
#include "nft_chains.h"
#include "rule_backend.h"
#include "rule_set.h"
#include "topology.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

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

// The benchmark's traffic (198.18.0.2, port 5201).
constexpr TrafficMatch kTraffic{(198u << 24) | (18u << 16) | 2u, 5201};

// Rules in the chain as the backend's command-line tool lists them.
std::size_t rules_listed(const BackendInfo &backend, const Netns &ns,
                         std::string &dump) {
  const std::string_view b = backend.name;
  dump = run(in_netns(ns, b == "legacy" ? "iptables-legacy-save -t filter"
                          : b == "iptables-nft"
                              ? "iptables-nft-save -t filter"
                              : "nft list chain ip nf_bench output"));
  const std::string mark = b == "nft" ? " drop\n" : "\n-A OUTPUT ";
  std::size_t rules = 0;
  for (auto at = dump.find(mark); at != std::string::npos;
       at = dump.find(mark, at + 1))
    ++rules;
  return rules;
}

// The tables in the namespace: x_tables' (read from /proc, which creates
// none) and nf_tables'.
std::string tables_in(const Netns &ns) {
  return run(in_netns(ns, "sh -c 'cat /proc/thread-self/net/ip_tables_names; "
                          "nft list tables'"));
}

TEST_F(Fixtures, EachBackendsChainHoldsExactlyNRulesAfterACommit) {
  const std::map<std::string_view, std::string> tables = {
      {"legacy", "filter\n"},
      {"iptables-nft", "table ip filter\n"},
      {"nft", "table ip nf_bench\n"}};
  for (const BackendInfo &backend : rule_backends()) {
    SCOPED_TRACE(std::string(backend.name));
    Topology topology;
    auto chain = backend.make(topology.sender(), kTraffic);
    for (std::size_t n : {0u, 1u, 3000u, 100u, 0u}) {
      chain->set_rules(n);
      EXPECT_EQ(chain->count_rules_in_kernel(), n);
      std::string dump;
      EXPECT_EQ(rules_listed(backend, topology.sender(), dump), n)
          << dump.substr(0, 400);
      EXPECT_GT(chain->last_install_s(), 0.0);
      if (n > 0 && backend.name != "nft") {
        EXPECT_NE(dump.find("-A OUTPUT -d 198.19.0.1/32 -p tcp -m tcp "
                            "--dport 10001 -j DROP"),
                  std::string::npos)
            << dump.substr(0, 400);
      }
    }
    EXPECT_EQ(tables_in(topology.sender()), tables.at(backend.name));
  }
}

TEST_F(Fixtures, EachBackendMakesEveryRuleShape) {
  for (const BackendInfo &backend : rule_backends()) {
    SCOPED_TRACE(std::string(backend.name));
    Topology topology;
    auto chain = backend.make(topology.sender(), kTraffic);
    for (int callbacks = 1; callbacks <= kMaxCallbacks; ++callbacks) {
      chain->set_rules(10, callbacks);
      EXPECT_EQ(chain->count_rules_in_kernel(), 10u) << callbacks;
      std::string dump;
      EXPECT_EQ(rules_listed(backend, topology.sender(), dump), 10u);
      // The failing mark test is last; the traffic's address is matched.
      for (const char *part : {"198.18.0.2", "mark"})
        EXPECT_NE(dump.find(part), std::string::npos) << callbacks << dump;
    }
  }
}

// What iptables-nft lists, without the lines that name the time of the dump.
std::string iptables_nft_listing(const Netns &ns) {
  return run(in_netns(ns, "sh -c 'iptables-nft-save -t filter | grep -v ^#; "
                          "nft list ruleset'"));
}

TEST_F(Fixtures, IptablesNftRulesAreWhatTheIptablesNftCommandMakes) {
  const BackendInfo &backend = rule_backend("iptables-nft");
  for (std::size_t n : {1u, 3u, 20u}) {
    Topology ours, typed;
    backend.make(ours.sender(), kTraffic)->set_rules(n);
    for (const auto &rule : never_match_rules(n))
      run(in_netns(typed.sender(),
                   "iptables-nft -A OUTPUT " + rule.to_iptables_args()));
    const std::string listing = iptables_nft_listing(ours.sender());
    EXPECT_EQ(listing, iptables_nft_listing(typed.sender())) << n;
    EXPECT_NE(listing.find("tcp dport 10001 counter packets 0 bytes 0 drop"),
              std::string::npos)
        << listing;
  }
}

} // namespace
} // namespace nfb
