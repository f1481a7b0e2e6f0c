// --benchmark_out, whole or absent: nf_bench writes it itself (Google
// Benchmark gets /dev/null). The results go to OUT.partial, rewritten as a
// whole file after every finished benchmark and renamed to OUT at the end;
// a write lock on OUT.partial refuses a second nf_bench writing OUT.
// An OUT that is not a regular file (/dev/stdout, a FIFO) is written once,
// at the end.
#pragma once

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

namespace nfb {

// Why OUT cannot be used: bad input (exit 2), said before any set-up.
struct ResultFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ResultFile {
public:
  // Creates and locks OUT.partial. Throws ResultFileError.
  explicit ResultFile(std::string path);
  ~ResultFile(); // unfinished: OUT.partial stays if it holds a benchmark
  ResultFile(const ResultFile &) = delete;
  ResultFile &operator=(const ResultFile &) = delete;

  // The whole text so far, replacing what OUT.partial held; `benchmarks`
  // finished in it. 0, or the errno of the failed write.
  int write_partial(const std::string &text, int benchmarks);
  // The final text to OUT; 0, or the errno of the failed write.
  int finish(const std::string &text);

  const std::string &path() const { return path_; }
  const std::string &partial_path() const { return partial_; }
  // OUT is a device or FIFO, written once at the end (no OUT.partial).
  bool direct() const { return direct_; }

private:
  std::string path_, partial_;
  int fd_ = -1;
  bool direct_ = false; // OUT is not a regular file
  bool finished_ = false;
  int benchmarks_ = 0;
};

// Google Benchmark's reporter for --benchmark_out_format, writing into a
// ResultFile: whole after each ReportRuns, renamed by Finalize.
class ResultFileReporter : public benchmark::BenchmarkReporter {
public:
  ResultFileReporter(ResultFile &file, const std::string &format);
  bool ReportContext(const Context &context) override;
  void ReportRuns(const std::vector<Run> &runs) override;
  void Finalize() override;
  // errno of the first failed write, 0 when all went out.
  int error() const { return error_; }

private:
  void write_partial();
  ResultFile &file_;
  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
  std::ostringstream text_;
  bool json_;
  int benchmarks_ = 0;
  int error_ = 0;
};

// On SIGINT, SIGTERM and SIGHUP (those not ignored at start): one line
// saying where the finished benchmarks are, then the signal's default
// action (every kernel object nf_bench made goes with the process).
void say_where_results_are_on_signal(const ResultFile &file);

} // namespace nfb
