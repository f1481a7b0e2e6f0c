// Root-only tests of the kernel-facing fixtures, in-process: the topology
// comes up inside its own namespaces and leaves nothing when it goes; each
// backend's chain holds exactly N rules after one commit, as the backend's
// own command-line tool reads it, and only that backend's table is there;
// iptables-nft's rules are what the iptables-nft command makes; each remedy
// blocks exactly N addresses, as its own tool lists them.
#include "nft_chains.h"
#include "remedies.h"
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

// The backends that make a chain of n rules; the others are remedies.
constexpr std::string_view kChainBackends[] = {"legacy", "iptables-nft", "nft"};

std::size_t occurrences(const std::string &text, const std::string &part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos;
       at = text.find(part, at + 1))
    ++count;
  return count;
}

// Rules in the chain as the backend's command-line tool lists them.
std::size_t rules_listed(const BackendInfo &backend, const Netns &ns,
                         std::string &dump) {
  const std::string_view b = backend.name;
  dump = run(in_netns(ns, b == "legacy" ? "iptables-legacy-save -t filter"
                          : b == "iptables-nft"
                              ? "iptables-nft-save -t filter"
                              : "nft list chain ip nf_bench output"));
  return occurrences(dump, b == "nft" ? " drop\n" : "\n-A OUTPUT ");
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
  for (std::string_view name : kChainBackends) {
    const BackendInfo &backend = rule_backend(name);
    SCOPED_TRACE(std::string(name));
    Topology topology;
    auto chain = backend.make(topology.sender(), kTraffic);
    for (std::size_t n : {0u, 1u, 3000u, 100u, 0u}) {
      chain->set_rules(n);
      EXPECT_EQ(chain->count_rules_in_kernel(), n);
      EXPECT_NO_THROW(chain->check_in_kernel(n)) << n;
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
  for (std::string_view name : kChainBackends) {
    const BackendInfo &backend = rule_backend(name);
    SCOPED_TRACE(std::string(name));
    Topology topology;
    auto chain = backend.make(topology.sender(), kTraffic);
    for (int callbacks = 1; callbacks <= kMaxCallbacks; ++callbacks) {
      chain->set_rules(10, callbacks);
      EXPECT_EQ(chain->count_rules_in_kernel(), 10u) << callbacks;
      // The rules read back are spelled as they were generated.
      EXPECT_NO_THROW(chain->check_in_kernel(10)) << callbacks;
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

constexpr std::string_view kRemedies[] = {"prefix", "conntrack", "ipset",
                                          "nft-set", "nft-interval"};

// What a remedy's own command-line tool lists in the namespace: its rules
// in OUTPUT (legacy), the set's entries (ipset) or elements (nft).
std::size_t remedy_listed(std::string_view remedy, const Netns &ns,
                          std::string &dump) {
  if (remedy == "ipset") {
    dump = run(in_netns(ns, "ipset list -t nfb_block"));
    const std::string entries = "Number of entries: ";
    const auto at = dump.find(entries);
    return at == std::string::npos
               ? SIZE_MAX
               : std::stoul(dump.substr(at + entries.size()));
  }
  if (remedy == "nft-set" || remedy == "nft-interval") {
    dump = run(in_netns(ns, "nft list set ip nf_bench block"));
    // Addresses are in 198.18.0.0/15, each after a space; prefixes /30s.
    return occurrences(dump, remedy == "nft-set" ? " 198.1" : "/30");
  }
  dump = run(in_netns(ns, "iptables-legacy-save -t filter"));
  return occurrences(dump, "\n-A OUTPUT ");
}

// What remedy_listed reads after set_rules(n), and rules_in_chain(n).
std::size_t listed_after(std::string_view remedy, std::size_t n) {
  return remedy == "prefix" ? (n ? 1 : 0) : remedy == "conntrack" ? n + 1 : n;
}
std::size_t rules_after(std::string_view remedy, std::size_t n) {
  return remedy == "prefix" || remedy == "conntrack" ? listed_after(remedy, n)
                                                     : 1;
}

// What else a remedy's listing shows after set_rules(n): the prefix, the
// conntrack rule first, a set's one rule and no temporary set left.
void expect_remedy_details(std::string_view remedy, const Netns &ns,
                           std::size_t n, const std::string &dump) {
  if (remedy == "prefix" && n > 0) {
    const std::string prefix = n == 1 ? "198.19.0.1/32" : "198.19.0.0/20";
    EXPECT_NE(dump.find("\n-A OUTPUT -d " + prefix + " -j DROP\n"),
              std::string::npos)
        << dump;
  } else if (remedy == "conntrack") {
    EXPECT_EQ(dump.find("\n-A OUTPUT "),
              dump.find("\n-A OUTPUT -m conntrack --ctstate "
                        "RELATED,ESTABLISHED -j ACCEPT\n"))
        << dump.substr(0, 400);
  } else if (remedy == "ipset") {
    const std::string save = run(in_netns(ns, "iptables-legacy-save"));
    EXPECT_EQ(occurrences(save, "\n-A "), 1u) << save;
    EXPECT_NE(save.find("\n-A OUTPUT -m set --match-set nfb_block dst -j "
                        "DROP\n"),
              std::string::npos)
        << save;
    EXPECT_EQ(run(in_netns(ns, "ipset list -n")), "nfb_block\n");
  } else if (remedy != "prefix") {
    const std::string chain =
        run(in_netns(ns, "nft list chain ip nf_bench output"));
    EXPECT_EQ(occurrences(chain, " drop\n"), 1u) << chain;
    EXPECT_NE(chain.find("ip daddr @block drop\n"), std::string::npos);
  }
}

TEST_F(Fixtures, EachRemedyBlocksExactlyNAddressesAfterACommit) {
  const std::map<std::string_view, std::string> tables = {
      {"prefix", "filter\n"},
      {"conntrack", "filter\n"},
      {"ipset", "filter\n"},
      {"nft-set", "table ip nf_bench\n"},
      {"nft-interval", "table ip nf_bench\n"}};
  for (std::string_view name : kRemedies) {
    SCOPED_TRACE(std::string(name));
    const bool set = name != "prefix" && name != "conntrack";
    Topology topology;
    auto remedy = rule_backend(name).make(topology.sender(), kTraffic);
    for (std::size_t n : {0u, 1u, 3000u, set ? 100000u : 0u, 0u}) {
      remedy->set_rules(n);
      EXPECT_NO_THROW(remedy->check_in_kernel(n)) << n;
      EXPECT_EQ(remedy->rules_in_chain(n), rules_after(name, n));
      std::string dump;
      EXPECT_EQ(remedy_listed(name, topology.sender(), dump),
                listed_after(name, n))
          << n << ": " << dump.substr(0, 400);
      expect_remedy_details(name, topology.sender(), n, dump);
      if (n == 100000u)
        fmt::print("{}: 100000 addresses committed in {:.3f} s\n", name,
                   remedy->last_install_s());
    }
    EXPECT_EQ(tables_in(topology.sender()), tables.at(name));
  }
}

TEST_F(Fixtures, RemediesHaveNoRuleShapesAndStopAtTheirGenerators) {
  const std::map<std::string_view, std::size_t> limits = {
      {"prefix", kMaxRules},
      {"conntrack", kMaxRules},
      {"ipset", kMaxBlocked},
      {"nft-set", kMaxBlocked},
      {"nft-interval", kMaxBlockedPrefixes}};
  Topology topology;
  for (std::string_view name : kRemedies) {
    auto remedy = rule_backend(name).make(topology.sender(), kTraffic);
    try {
      remedy->set_rules(10, 1);
      ADD_FAILURE() << name << " made a rule shape";
    } catch (const std::invalid_argument &e) {
      EXPECT_EQ(e.what(), fmt::format("remedy {} has no rule shapes", name));
    }
    EXPECT_THROW(remedy->set_rules(limits.at(name) + 1), std::invalid_argument)
        << name;
  }
  // Nothing was made.
  EXPECT_EQ(tables_in(topology.sender()), "");
}

} // namespace
} // namespace nfb
