#include "result_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/core.h>

namespace nfb {

namespace {

// What the signal handler reads: set before it is installed, then only
// the count changes.
volatile std::sig_atomic_t g_finished = 0;
std::string g_partial, g_said_some, g_said_none;

ResultFileError cannot_write(const std::string &path, int err) {
  return ResultFileError(fmt::format(
      "cannot write --benchmark_out={} ({}): choose a writable file in an "
      "existing folder",
      path, std::strerror(err)));
}

// The pid holding a write lock on fd, or 0.
pid_t lock_holder(int fd) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK)
    return lock.l_pid;
  return 0;
}

// From offset 0 (a file), or onwards (`stream`: a device or FIFO).
int write_all(int fd, const std::string &text, bool stream = false) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = stream
                          ? ::write(fd, text.data() + done, text.size() - done)
                          : ::pwrite(fd, text.data() + done, text.size() - done,
                                     static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errno : EIO;
    done += n;
  }
  return 0;
}

} // namespace

ResultFile::ResultFile(std::string path)
    : path_(std::move(path)), partial_(path_ + ".partial") {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw cannot_write(path_, EISDIR);
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device or FIFO: written once, at the end. Non-blocking, so a FIFO
    // without a reader fails now instead of hanging.
    direct_ = true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0)
      throw cannot_write(path_, errno);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    return;
  }
  if (char *real = ::realpath(path_.c_str(), nullptr)) { // a symlink's target
    path_ = real;
    partial_ = path_ + ".partial";
    std::free(real);
  }
  fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw cannot_write(path_, errno);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (::fcntl(fd_, F_SETLK, &lock) != 0) {
    const pid_t holder = lock_holder(fd_);
    ::close(fd_);
    throw ResultFileError(fmt::format(
        "another nf_bench{} is writing --benchmark_out={}: wait for it to "
        "end or choose another file",
        holder ? fmt::format(" (pid {})", holder) : "", path_));
  }
  if (::ftruncate(fd_, 0) != 0) {
    const int err = errno;
    ::close(fd_);
    throw cannot_write(path_, err);
  }
}

ResultFile::~ResultFile() {
  if (!direct_ && !finished_ && benchmarks_ == 0)
    ::unlink(partial_.c_str()); // it holds nothing worth keeping
  if (fd_ >= 0)
    ::close(fd_);
}

int ResultFile::write_partial(const std::string &text, int benchmarks) {
  if (direct_)
    return 0;
  int err = write_all(fd_, text);
  if (!err && ::ftruncate(fd_, static_cast<off_t>(text.size())) != 0)
    err = errno;
  if (err) { // not whole: gone
    ::unlink(partial_.c_str());
    benchmarks = 0;
  }
  benchmarks_ = benchmarks;
  g_finished = benchmarks;
  return err;
}

int ResultFile::finish(const std::string &text) {
  if (direct_) {
    finished_ = true;
    return write_all(fd_, text, true);
  }
  int err = write_partial(text, benchmarks_);
  if (!err && ::fsync(fd_) != 0)
    err = errno;
  if (!err && ::rename(partial_.c_str(), path_.c_str()) != 0)
    err = errno;
  if (err)
    ::unlink(partial_.c_str());
  finished_ = !err;
  g_finished = 0;
  return err;
}

ResultFileReporter::ResultFileReporter(ResultFile &file,
                                       const std::string &format)
    : file_(file), json_(format == "json") {
  if (format == "csv") {
    // Deprecated upstream, still a --benchmark_out_format it offers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    inner_ = std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  } else if (format == "console")
    inner_ = std::make_unique<benchmark::ConsoleReporter>(
        benchmark::ConsoleReporter::OO_None);
  else
    inner_ = std::make_unique<benchmark::JSONReporter>();
  inner_->SetOutputStream(&text_);
  inner_->SetErrorStream(&text_);
}

bool ResultFileReporter::ReportContext(const Context &context) {
  const bool ok = inner_->ReportContext(context);
  write_partial();
  return ok && !error_;
}

void ResultFileReporter::ReportRuns(const std::vector<Run> &runs) {
  inner_->ReportRuns(runs);
  ++benchmarks_;
  write_partial();
}

void ResultFileReporter::Finalize() {
  inner_->Finalize();
  if (!error_)
    error_ = file_.finish(text_.str());
}

void ResultFileReporter::write_partial() {
  if (error_)
    return;
  // JSONReporter closes its list and object only in Finalize.
  error_ = file_.write_partial(text_.str() + (json_ ? "\n  ]\n}\n" : ""),
                               benchmarks_);
}

namespace {

void on_signal(int sig) {
  const std::string &said = g_finished ? g_said_some : g_said_none;
  if (!g_finished)
    ::unlink(g_partial.c_str());
  ssize_t ignored = ::write(STDERR_FILENO, said.data(), said.size());
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

} // namespace

void say_where_results_are_on_signal(const ResultFile &file) {
  g_partial = file.partial_path();
  g_said_none = fmt::format("\nnf_bench: interrupted before any benchmark "
                            "finished: no --benchmark_out={} written\n",
                            file.path());
  g_said_some = fmt::format(
      "\nnf_bench: interrupted: --benchmark_out={} not written; the "
      "benchmarks finished before the interrupt are whole in {} (rename it "
      "to keep them)\n",
      file.path(), file.partial_path());
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
      continue; // ignored at start (nohup, a background job): stays so
    struct sigaction act {};
    act.sa_handler = on_signal;
    sigemptyset(&act.sa_mask);
    ::sigaction(sig, &act, nullptr);
  }
}

} // namespace nfb
