"""Integration tests of the traffic profiles and the install families: run
the real binary as root on this kernel.

What they check:
  * UDP: the sender's LOCAL_OUT is walked once per datagram (hook calls
    within 1% of the datagrams iperf3 sent), unpaced and paced, and the
    paced family sends at its declared rate;
  * connection rate: each connection walks the sender's hook as often as
    TCP's handshake and teardown imply (SYN, ACK, request, ACK of the
    response and the server's FIN, FIN: 5), and 3000 rules lower the rate;
  * 4 parallel streams deliver, with the streams counter;
  * install: Google Benchmark times one commit per iteration; the lab's
    loop of one command per rule is slower than one commit of 10x the rules;
  * every row carries exactly the counters declared for its family.

Run (as root), from this folder:
    NF_BENCH=/path/to/nf_bench /usr/bin/python3 -m unittest -v test_profiles
"""

import os
import unittest

if os.geteuid() != 0:
    raise unittest.SkipTest(
        "nf_bench integration tests need root (namespaces, iptables, BPF)")

from nf_bench_helpers import (
    NF_BENCH, declared_names, failed_benchmarks, family, row_counters,
    rows_by_point, run_nf_bench_json, skip_without)

# SYN, handshake ACK, request, ACK of response and FIN, FIN.
WALKS_PER_CONNECTION = 5


class ProfilesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        skip_without(NF_BENCH)

    def run_points(self, regex):
        report = run_nf_bench_json(self, f"--benchmark_filter={regex}",
                                   "--duration=1")
        self.assertEqual(failed_benchmarks(report), {})
        rows = rows_by_point(report)
        for name, row in rows.items():
            self.assertEqual(row_counters(row), declared_names(
                "row", family_name=name.split("/")[0]), name)
        return rows

    def test_udp_walks_once_per_datagram(self):
        rows = self.run_points("^(Udp/64/0|Udp/1400/3000|UdpPaced/512/0)/")
        for name, row in rows.items():
            with self.subTest(point=name):
                self.assertAlmostEqual(row["hook_calls"] / row["datagrams_sent"],
                                       1, delta=0.01)
                self.assertGreater(row["packets_per_s"], 0)
        paced = rows["UdpPaced/512/0"]
        rate = family("UdpPaced")["datagrams_per_s"]
        self.assertAlmostEqual(paced["packets_per_s"] / rate, 1, delta=0.1)
        self.assertEqual(paced["payload_bytes"], 512)

    def test_connection_rate_walks_per_connection(self):
        rows = self.run_points("^ConnRate/(0|3000)/")
        for name, row in rows.items():
            with self.subTest(point=name):
                self.assertAlmostEqual(row["hook_calls_per_connection"],
                                       WALKS_PER_CONNECTION, delta=0.5)
        self.assertLess(rows["ConnRate/3000"]["connections_per_s"],
                        rows["ConnRate/0"]["connections_per_s"])

    def test_parallel_streams_deliver(self):
        row = self.run_points("^Streams/4/0/")["Streams/4/0"]
        self.assertEqual(row["streams"], 4)
        self.assertGreater(row["bits_per_s"], 0)

    def test_install_is_timed_per_commit(self):
        rows = self.run_points("^(Install|InstallNft)/1000/|^InstallLoop/100/")
        for name, row in rows.items():
            self.assertEqual(row["time_unit"], "ms", name)
            self.assertGreater(row["real_time"], 0, name)
        self.assertGreater(rows["InstallLoop/100"]["real_time"],
                           rows["Install/1000"]["real_time"])
