#include "host/output_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "host/errors.h"

namespace mixchain::output_capture {

namespace {

// A line longer than this is delivered in pieces (a plugin dumping binary must not grow memory).
constexpr size_t kMaxLine = 4096;

struct Stream {
  int fd;          // 1 or 2
  int saved = -1;  // the original descriptor, kept open
  int readEnd = -1;
  std::string pending;
};

struct Capture {
  Stream streams[2] = {Stream{STDOUT_FILENO, -1, -1, {}}, Stream{STDERR_FILENO, -1, -1, {}}};
  Sink sink;
  std::thread reader;
  // Held while reading and delivering: lines keep their order, and a call that ends drains the
  // pipes under it before the reader can charge its lines to another.
  std::mutex reading;
};

std::mutex lifecycle;
std::atomic<Capture*> active{nullptr};

void deliver(Capture& capture, Stream& stream, std::string text, bool ended, const crash_marker::Call* known) {
  Line line{stream.fd, std::move(text), ended, true, known ? *known : crash_marker::Call{}};
  if (!known) line.attributed = crash_marker::currentCall(line.call);
  capture.sink(std::move(line));
}

// Splits what arrived into lines; the rest waits for its newline (or for the end).
void consume(Capture& capture, Stream& stream, const char* data, size_t size, const crash_marker::Call* known) {
  stream.pending.append(data, size);
  size_t start = 0;
  for (size_t newline; (newline = stream.pending.find('\n', start)) != std::string::npos; start = newline + 1) {
    deliver(capture, stream, stream.pending.substr(start, newline - start), true, known);
  }
  stream.pending.erase(0, start);
  while (stream.pending.size() >= kMaxLine) {
    deliver(capture, stream, stream.pending.substr(0, kMaxLine), false, known);
    stream.pending.erase(0, kMaxLine);
  }
}

// Reads what the pipes hold now (they are non-blocking). False once `stream` reached its end.
bool drain(Capture& capture, Stream& stream, const crash_marker::Call* known) {
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(stream.readEnd, buffer, sizeof buffer);
    if (got > 0) {
      consume(capture, stream, buffer, static_cast<size_t>(got), known);
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && errno == EAGAIN) {
      return true;
    } else {
      if (!stream.pending.empty()) deliver(capture, stream, std::move(stream.pending), false, known);
      stream.pending.clear();
      return false;
    }
  }
}

void readUntilClosed(Capture* capture) {
  pollfd fds[2] = {{capture->streams[0].readEnd, POLLIN, 0}, {capture->streams[1].readEnd, POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) continue;  // EINTR
    std::lock_guard<std::mutex> lock(capture->reading);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (!drain(*capture, capture->streams[i], nullptr)) {
        close(fds[i].fd);
        capture->streams[i].readEnd = -1;
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open;
      }
    }
  }
}

// The call-end hook: what the ending call printed is charged to it.
void collect(const crash_marker::Call& call) {
  Capture* capture = active.load(std::memory_order_acquire);
  if (!capture) return;
  std::fflush(stdout);
  std::lock_guard<std::mutex> lock(capture->reading);
  for (Stream& stream : capture->streams) {
    if (stream.readEnd >= 0) drain(*capture, stream, &call);
  }
}

void writeAll(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t wrote = write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;  // nowhere left to write to: the line is dropped
    done += static_cast<size_t>(wrote);
  }
}

// The sink of a capture that only keeps plugins off stdout (the CLI's --json).
Sink labelledToStderr(SavedOutputs saved) {
  return [saved](Line&& line) {
    const std::string end = line.ended ? "\n" : "";
    if (!line.attributed) return writeAll(line.stream == 1 ? saved.stdoutFd : saved.stderrFd, line.text + end);
    writeAll(saved.stderrFd, "plugin '" + line.call.plugin + "' (" + crash_marker::phaseName(line.call.phase) +
                                 "): " + line.text + end);
  };
}

}  // namespace

SavedOutputs start(Sink sink) {
  std::lock_guard<std::mutex> lock(lifecycle);
  if (active.load()) fail("ERR_CAPTURE_ACTIVE", "Plugin output is already being captured in this process");
  crash_marker::openInMemory();  // the slots say which plugin wrote
  auto capture = std::make_unique<Capture>();
  std::fflush(stdout);
  std::fflush(stderr);
  for (Stream& stream : capture->streams) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0)
      fail("ERR_CAPTURE_FAILED", "Cannot create a pipe to capture plugin output");
    // Writers block on a full pipe like on a terminal; only our reading end is non-blocking.
    fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) & ~O_NONBLOCK);
    stream.saved = fcntl(stream.fd, F_DUPFD_CLOEXEC, 3);
    dup2(ends[1], stream.fd);
    close(ends[1]);
    stream.readEnd = ends[0];
  }
  // stdout into a pipe would be fully buffered: a plugin's line would arrive long after its
  // call, charged to another. Line by line, it arrives while the call is still known.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const SavedOutputs saved{capture->streams[0].saved, capture->streams[1].saved};
  capture->sink = sink ? std::move(sink) : labelledToStderr(saved);
  capture->reader = std::thread(readUntilClosed, capture.get());
  active.store(capture.release(), std::memory_order_release);
  crash_marker::setCallEndHook(collect);
  return saved;
}

void stop() {
  std::lock_guard<std::mutex> lock(lifecycle);
  Capture* capture = active.load();
  if (!capture) return;
  crash_marker::setCallEndHook(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  // Putting the originals back closes the pipes' last write ends: the reader sees the end.
  for (Stream& stream : capture->streams) dup2(stream.saved, stream.fd);
  capture->reader.join();
  active.store(nullptr, std::memory_order_release);
  // Not deleted: a call ending on another thread may still hold the pointer; a capture is
  // stopped once or twice in a process's life.
}

}  // namespace mixchain::output_capture
