#include "iperf_json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

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

// Real results of the iperf3 3.12 binary (same libiperf), in the fuzz corpus.
std::string real(const std::string &name) {
  std::ifstream in(std::string(NF_BENCH_FUZZ_CORPUS) + "/iperf_json/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(IperfJson, ReadsRealUdpDatagramCounts) {
  // iperf3 -u -l 64 -b 0 -t 1 -J between two namespaces.
  const UdpCounts c = parse_udp_counts(real("iperf3.12_udp_result.json"));
  EXPECT_DOUBLE_EQ(c.sent, 262310);
  EXPECT_DOUBLE_EQ(c.lost, 1293);
  EXPECT_DOUBLE_EQ(c.received, 262306 - 1293); // = bytes received / 64
}

TEST(IperfJson, RefusesUdpCountsThatCannotBe) {
  EXPECT_THROW(parse_udp_counts(kResult), std::runtime_error); // TCP
  EXPECT_THROW(parse_udp_counts(R"({"end": {"sum_sent": {"packets": 5},
          "sum_received": {"packets": 3, "lost_packets": 4}}})"),
               std::runtime_error);
}

TEST(IperfJson, ReadsRealIperf3Results) {
  const std::string ok = real("iperf3.12_result.json");
  ASSERT_FALSE(ok.empty());
  ReceivedTotals r = parse_received_totals(ok);
  EXPECT_DOUBLE_EQ(r.bytes, 1310720);
  EXPECT_DOUBLE_EQ(r.seconds, 1.000215);
  EXPECT_DOUBLE_EQ(r.bits_per_s, 10483506.046200067);
  EXPECT_EQ(iperf_json_error(ok), "");

  const std::string refused = real("iperf3.12_refused.json");
  EXPECT_EQ(iperf_json_error(refused),
            "unable to connect to server: Connection refused");
  EXPECT_THROW(parse_received_totals(refused), std::runtime_error);
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

// The message parse_received_totals throws for `json`, "" if it throws none.
std::string error_of(const std::string &json) {
  try {
    parse_received_totals(json);
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}

// A result whose end.sum_received is `sum`.
std::string with_sum(const std::string &sum) {
  return R"({"end": {"sum_received": )" + sum + "}}";
}

// Bad input must fail with one line that says what is wrong, never a crash
// and never a number.
void expect_one_line_error(const std::string &json, const std::string &says) {
  const std::string error = error_of(json);
  EXPECT_NE(error.find(says), std::string::npos)
      << "error '" << error << "' for: " << json.substr(0, 200);
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_LT(error.size(), 300u) << error;
}

TEST(IperfJson, TruncatedAnywhere) {
  const std::string whole = kResult;
  for (std::size_t n = 0; n < whole.size(); ++n)
    expect_one_line_error(whole.substr(0, n), "iperf3 ");
  expect_one_line_error(whole.substr(0, whole.size() - 1),
                        "unexpected end of input");
}

TEST(IperfJson, WrongTypes) {
  for (const char *v : {R"("1")", "true", "null", "[1]", R"({"v": 1})"})
    expect_one_line_error(with_sum(std::string(R"({"bytes": )") + v +
                                   R"(, "seconds": 1, "bits_per_second": 1})"),
                          "end.sum_received.bytes is not a number");
  expect_one_line_error(R"({"end": 5})", "end is not an object");
  expect_one_line_error(R"({"end": []})", "end is not an object");
  expect_one_line_error(with_sum("[]"), "end.sum_received is not an object");
  expect_one_line_error(with_sum(R"("x")"),
                        "end.sum_received is not an object");
}

TEST(IperfJson, NotANumberOrNotFinite) {
  // JSON has no NaN or infinity: unquoted they are syntax errors, quoted
  // they are strings; a literal beyond double's range reads as infinity.
  for (const char *v : {"NaN", "nan", "Infinity", "-Infinity", "inf", "1e",
                        "0x10", "+1", ".5", "01"})
    expect_one_line_error(with_sum(std::string(R"({"bytes": 1, "seconds": )") +
                                   v + R"(, "bits_per_second": 1})"),
                          "iperf3 JSON is malformed");
  for (const char *v : {R"("NaN")", R"("inf")"})
    expect_one_line_error(with_sum(std::string(R"({"bytes": 1, "seconds": )") +
                                   v + R"(, "bits_per_second": 1})"),
                          "end.sum_received.seconds is not a number");
  for (const std::string &v :
       std::vector<std::string>{"1e400", "-1e400", "1" + std::string(400, '0')})
    expect_one_line_error(
        with_sum(std::string(R"({"bytes": 1, "seconds": 1, )") +
                 R"("bits_per_second": )" + v + "}"),
        "iperf3 JSON is malformed: number overflow");
  for (const char *v : {"-1", "-0.5", "-1e300"})
    expect_one_line_error(
        with_sum(std::string(R"({"bytes": 1, "seconds": 1, )") +
                 R"("bits_per_second": )" + v + "}"),
        "end.sum_received.bits_per_second is not a finite number >= 0");
}

TEST(IperfJson, HugeNumbersReadAsTheyAre) {
  // Beyond 64-bit integers, still a finite double: read, not wrapped.
  ReceivedTotals r = parse_received_totals(
      with_sum(R"({"bytes": 18446744073709551616, "seconds": 1e300,
                   "bits_per_second": 123456789012345678901234567890})"));
  EXPECT_DOUBLE_EQ(r.bytes, 18446744073709551616.0);
  EXPECT_DOUBLE_EQ(r.seconds, 1e300);
  EXPECT_DOUBLE_EQ(r.bits_per_s, 1.2345678901234568e29);
  EXPECT_DOUBLE_EQ(
      parse_received_totals(with_sum(R"({"bytes": 0, "seconds": -0.0,
                                    "bits_per_second": 0})"))
          .bits_per_s,
      0);
}

TEST(IperfJson, MissingFields) {
  expect_one_line_error("{}", R"(no "end" in the result)");
  expect_one_line_error(R"({"end": {}})", R"(no "sum_received" in end)");
  expect_one_line_error(with_sum(R"({"seconds": 1, "bits_per_second": 1})"),
                        R"(no "bytes" in end.sum_received)");
  expect_one_line_error(with_sum(R"({"bytes": 1, "bits_per_second": 1})"),
                        R"(no "seconds" in end.sum_received)");
  expect_one_line_error(with_sum(R"({"bytes": 1, "seconds": 1})"),
                        R"(no "bits_per_second" in end.sum_received)");
}

TEST(IperfJson, DeepNesting) {
  // Far deeper than any iperf3 result: refused before anything recurses.
  for (std::size_t depth : {65u, 1000u, 1000000u}) {
    const std::string arrays =
        std::string(depth, '[') + std::string(depth, ']');
    expect_one_line_error(R"({"x": )" + arrays + "}", "nested deeper than 64");
    expect_one_line_error(R"({"x": )" + std::string(depth, '['),
                          "nested deeper than 64");
    EXPECT_EQ(iperf_json_error(R"({"error": )" + arrays + "}"), "");
  }
  std::string objects = "1";
  for (int i = 0; i < 50; ++i)
    objects = R"({"a": )" + objects + "}";
  EXPECT_EQ(error_of(with_sum(R"({"bytes": 1, "seconds": 1,
                                  "bits_per_second": 1, "deep": )" +
                              objects + "}")),
            "");
}

TEST(IperfJson, NotJsonAroundTheResult) {
  expect_one_line_error(std::string(kResult) + " trailing",
                        "iperf3 JSON is malformed");
  expect_one_line_error("{\"end\": \"\xff\"}", "iperf3 JSON is malformed");
  expect_one_line_error(std::string("{\"end\"\0: {}}", 12),
                        "iperf3 JSON is malformed");
  // A control character in the input must not break the line.
  expect_one_line_error("{\n\n\"end\"\n:\n\x01}", "iperf3 JSON is malformed");
  expect_one_line_error("]", "iperf3 output is not JSON");
}

TEST(IperfJson, ErrorIsOneLine) {
  EXPECT_EQ(iperf_json_error(R"({"error": "two\nlines\tand a tab"})"),
            "two lines and a tab");
  // Not a string in any iperf3, but still an error, shown as JSON.
  EXPECT_EQ(iperf_json_error(R"({"error": {"code": 1}})"), R"({"code":1})");
  EXPECT_EQ(iperf_json_error(R"({"error": "x")"), "");
  EXPECT_EQ(iperf_json_error(""), "");
}

} // namespace
} // namespace nfb
