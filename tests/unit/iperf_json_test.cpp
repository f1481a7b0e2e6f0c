#include "../../fixtures/iperf_json.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace nfb {
namespace {

// Shaped like libiperf 3.12's cJSON_Print output (tabs, nested objects,
// "bits_per_second" in several places, a string holding braces).
constexpr const char *kResult = R"({
	"start":	{
		"connected":	[{
				"socket":	5,
				"local_host":	"198.18.0.1"
			}],
		"version":	"iperf 3.12 {weird}",
		"test_start":	{ "protocol":	"TCP", "duration":	2 }
	},
	"intervals":	[{
			"sum":	{ "bytes":	1, "seconds": 1, "bits_per_second":	8 }
		}],
	"end":	{
		"sum_sent":	{
			"start":	0,
			"seconds":	2.000081,
			"bytes":	4000000000,
			"bits_per_second":	1.6e10
		},
		"sum_received":	{
			"start":	0,
			"seconds":	2.000244,
			"bytes":	3999000000,
			"bits_per_second":	15994049856.5
		}
	}
})";

TEST(IperfJson, ReadsTheReceiverSum) {
  ReceivedTotals r = parse_received_totals(kResult);
  EXPECT_DOUBLE_EQ(r.bytes, 3999000000);
  EXPECT_DOUBLE_EQ(r.seconds, 2.000244);
  EXPECT_DOUBLE_EQ(r.bits_per_s, 15994049856.5);
}

TEST(IperfJson, ToleratesLeadingText) {
  EXPECT_DOUBLE_EQ(
      parse_received_totals(std::string("log line\n") + kResult).bytes,
      3999000000);
}

TEST(IperfJson, RejectsWhatIsNotAResult) {
  EXPECT_THROW(parse_received_totals(""), std::runtime_error);
  EXPECT_THROW(parse_received_totals("not json"), std::runtime_error);
  EXPECT_THROW(parse_received_totals(R"({"end": {}})"), std::runtime_error);
  EXPECT_THROW(
      parse_received_totals(R"({"end": {"sum_received": {"bytes": 1}})"),
      std::runtime_error);
  EXPECT_THROW(parse_received_totals(R"({"end": {"sum_received": {"bytes": "x",
               "seconds": 1, "bits_per_second": 1}}})"),
               std::runtime_error);
  EXPECT_THROW(parse_received_totals(R"({"end": {"sum_received": {)"),
               std::runtime_error);
  // "end" as a value, not a key, is not the end object.
  EXPECT_THROW(parse_received_totals(R"({"title": "end", "x": {}})"),
               std::runtime_error);
}

TEST(IperfJson, ErrorOfAFailedTest) {
  // What libiperf 3.12 writes when a test fails with JSON output on.
  const std::string failed = R"({
	"start":	{ "version":	"iperf 3.12" },
	"intervals":	[],
	"end":	{ },
	"error":	"the server has terminated"
})";
  EXPECT_EQ(iperf_json_error(failed), "the server has terminated");
  EXPECT_THROW(parse_received_totals(failed), std::runtime_error);
  EXPECT_EQ(iperf_json_error(kResult), "");
  EXPECT_EQ(iperf_json_error("not json"), "");
}

} // namespace
} // namespace nfb
