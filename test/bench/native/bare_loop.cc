// Renders a stereo test signal through a chain of plugins, block by block, calling each
// plugin's process() in a plain loop, and prints the CPU time of the loop as JSON.
//
//   mixchain-bare-loop --seconds 60 --block 512 --rate 44100 <bundle> [<bundle>…]
//
// Plugins are created and set up exactly as the addon does it (same host core); the signal is
// computed beforehand, and the timed part is only the block loop over it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "host/denormals.h"
#include "host/errors.h"
#include "host/plugin.h"

namespace {

double cpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec * 1e-9;
}

// The same signal the tests and the JS bench use (test/fixtures/signal.mjs): a decaying chord with noise bursts.
float testSignal(int64_t i, int channel, double rate) {
  const double t = i / rate;
  const double beat = std::fmod(t, 0.5);
  const double envelope = std::exp(-6.0 * beat);
  const double tone =
      std::sin(2 * M_PI * 220 * t) + 0.5 * std::sin(2 * M_PI * 330 * t + channel) + 0.25 * std::sin(2 * M_PI * 440 * t);
  uint32_t x = static_cast<uint32_t>(i * 2654435761u + channel * 40503u);
  x ^= x >> 13;
  x *= 0x5bd1e995u;
  x ^= x >> 15;
  const double noise = (x / 4294967295.0) * 2 - 1;
  return static_cast<float>(0.25 * envelope * tone + 0.02 * noise);
}

double wallSeconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec + now.tv_nsec * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 60, rate = 44100;
  int block = 512;
  std::vector<std::string> bundles;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (arg == "--block" && i + 1 < argc)
      block = std::atoi(argv[++i]);
    else if (arg == "--rate" && i + 1 < argc)
      rate = std::atof(argv[++i]);
    else
      bundles.push_back(arg);
  }
  if (bundles.empty()) {
    std::fprintf(stderr, "usage: mixchain-bare-loop [--seconds S] [--block N] [--rate HZ] <bundle>...\n");
    return 2;
  }
  try {
    std::vector<std::unique_ptr<mixchain::Plugin>> plugins;
    for (const auto& bundle : bundles) {
      mixchain::PluginConfig config;
      config.bundlePath = bundle;
      config.sampleRate = rate;
      config.maxBlockSize = block;
      plugins.push_back(mixchain::Plugin::create(config));
    }
    const int64_t frames = static_cast<int64_t>(seconds * rate) / block * block;
    std::vector<float> signal[2];
    for (int c = 0; c < 2; ++c) {
      signal[c].resize(frames);
      for (int64_t i = 0; i < frames; ++i) signal[c][i] = testSignal(i, c, rate);
    }
    std::vector<float> a(2 * block), b(2 * block);
    float* pa[2] = {a.data(), a.data() + block};
    float* pb[2] = {b.data(), b.data() + block};
    double peak = 0;
    mixchain::ScopedNoDenormals noDenormals;
    const double start = cpuSeconds();
    const double wallStart = wallSeconds();
    for (int64_t at = 0; at < frames; at += block) {
      for (int c = 0; c < 2; ++c) std::memcpy(pa[c], signal[c].data() + at, sizeof(float) * block);
      float** in = pa;
      float** out = pb;
      for (auto& plugin : plugins) {
        plugin->processBlock(in, out, block);
        std::swap(in, out);
      }
      for (int c = 0; c < 2; ++c) {
        for (int i = 0; i < block; ++i) peak = std::max(peak, static_cast<double>(std::fabs(in[c][i])));
      }
    }
    const double cpu = cpuSeconds() - start;
    const double wall = wallSeconds() - wallStart;
    std::printf("{\"seconds\":%.3f,\"block\":%d,\"cpuSeconds\":%.6f,\"wallSeconds\":%.6f,\"peak\":%.6f}\n",
                frames / rate, block, cpu, wall, peak);
  } catch (const mixchain::HostError& e) {
    std::fprintf(stderr, "%s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  return 0;
}
