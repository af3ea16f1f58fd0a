// Capture of what plugins write to stdout and stderr. Plugins print (ZamVerb says "convolution:
// samplerate mismatch" on every activation) straight into the process's file descriptors 1 and
// 2, where it would corrupt a program's own output (JSON on stdout) or a service's structured
// logs. While a capture runs, descriptors 1 and 2 are pipes read by a thread of ours; each line
// goes to the sink with the plugin call it came from, as the crash marker knows it: a lifecycle
// call collects what it printed as it returns; other lines are charged to the call a thread is
// inside while they are read (a plugin printing while it processes), or to none.
#pragma once

#include <functional>
#include <string>

#include "host/crash_marker.h"

namespace mixchain::output_capture {

struct Line {
  int stream;        // 1: stdout, 2: stderr
  std::string text;  // without its newline
  bool ended;        // false: a piece of a longer line (kMaxLine) or the last, unended one
  bool attributed;   // false: printed outside any plugin call (the program's own, say)
  crash_marker::Call call;
};

using Sink = std::function<void(Line&&)>;

struct SavedOutputs {
  int stdoutFd;  // the process's stdout and stderr as they were, for the program's own output
  int stderrFd;
};

// Starts the capture (one per process: ERR_CAPTURE_ACTIVE otherwise). The sink runs on the
// capture's reader thread (or the thread of a call that ends). Without a sink, a plugin's lines
// go to the original stderr labelled "plugin '<name>' (<phase>): ", the program's own lines to the
// original descriptor they were written to, all written before stop() returns.
SavedOutputs start(Sink sink);
// Puts descriptors 1 and 2 back, delivers what is left, and joins the reader. Safe to repeat.
// The saved descriptors stay open: a sink may still write a late line to them.
void stop();

}  // namespace mixchain::output_capture
