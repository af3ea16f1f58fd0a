#include "audio/true_peak_limiter.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace mixchain {

namespace {

constexpr int kOversample = 4;
constexpr int kTapsPerPhase = 12;

// Polyphase coefficients of a Hann-windowed sinc interpolator: phase p estimates the signal at
// n + p/4 from the samples around n.
struct Interpolator {
  double taps[kOversample][kTapsPerPhase];
  Interpolator() {
    const int half = kTapsPerPhase / 2;
    for (int p = 0; p < kOversample; ++p) {
      const double offset = static_cast<double>(p) / kOversample;
      for (int t = 0; t < kTapsPerPhase; ++t) {
        const double x = (t - half + 1) - offset;  // distance from the interpolated point
        const double sinc = x == 0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x);
        const double window = 0.5 + 0.5 * std::cos(M_PI * x / (half + 1));
        taps[p][t] = sinc * window;
      }
    }
  }
};

// The true-peak envelope: for each sample n, the largest absolute value of the signal between
// n-1 and n over every channel, including the oversampled points in between.
}  // namespace

std::vector<float> truePeakEnvelope(const std::vector<const float*>& channels, size_t frames) {
  static const Interpolator interpolator;
  const int half = kTapsPerPhase / 2;
  std::vector<float> envelope(frames, 0.0f);
  for (const float* x : channels) {
    auto at = [&](long i) -> double { return i >= 0 && i < static_cast<long>(frames) ? x[i] : 0.0; };
    for (size_t n = 0; n < frames; ++n) {
      double peak = std::fabs(x[n]);
      for (int p = 1; p < kOversample; ++p) {
        // The point (n - 1) + p/4, from samples n-half .. n+half-1.
        double sum = 0;
        for (int t = 0; t < kTapsPerPhase; ++t) sum += interpolator.taps[p][t] * at(static_cast<long>(n) - half + t);
        peak = std::max(peak, std::fabs(sum));
      }
      envelope[n] = std::max(envelope[n], static_cast<float>(peak));
      // The interpolated points between n-1 and n belong to both samples' windows.
      if (n > 0) envelope[n - 1] = std::max(envelope[n - 1], static_cast<float>(peak));
    }
  }
  return envelope;
}

LimiterReport applyGainAndLimit(const std::vector<const float*>& in, const std::vector<float*>& out, size_t frames,
                                double sampleRate, double gain, const std::vector<float>& envelope,
                                const LimiterSettings& settings) {
  LimiterReport report{0, 0};
  const double ceiling = std::pow(10.0, settings.ceilingDbtp / 20.0);
  const size_t lookahead = std::max<size_t>(1, static_cast<size_t>(settings.lookaheadMs * 1e-3 * sampleRate));
  const double release = 1.0 - std::exp(-1.0 / (settings.releaseMs * 1e-3 * sampleRate));

  // One streaming pass, `lookahead - 1` samples ahead of the output. The gain each sample needs
  // goes through a moving minimum and then a moving average over the same window: at a peak,
  // every averaged minimum already includes the peak, so the gain there is at most what the
  // peak needs, and the gain moves in straight ramps instead of steps. The release then lets it
  // recover smoothly.
  std::deque<std::pair<size_t, double>> minima;  // increasing values: the window's minimum first
  std::vector<double> averaged(lookahead, 1.0);  // the last `lookahead` minima, a ring
  double sum = static_cast<double>(lookahead);
  double current = 1.0;
  for (size_t n = 0; n < frames + lookahead - 1; ++n) {
    const double peak = n < frames ? envelope[n] * gain : 0.0;
    const double needed = peak > ceiling ? ceiling / peak : 1.0;
    while (!minima.empty() && minima.back().second >= needed) minima.pop_back();
    minima.emplace_back(n, needed);
    if (minima.front().first + lookahead <= n) minima.pop_front();
    double& slot = averaged[n % lookahead];
    sum += minima.front().second - slot;
    slot = minima.front().second;
    if (n + 1 < lookahead) continue;
    const size_t m = n + 1 - lookahead;  // the sample this window's gain applies to
    current = std::min(sum / static_cast<double>(lookahead), current + (1.0 - current) * release);
    if (1.0 - current < 1e-7) current = std::min(sum / static_cast<double>(lookahead), 1.0);  // fully recovered
    if (current < 1.0) {
      ++report.limitedSamples;
      report.maxReductionDb = std::min(report.maxReductionDb, 20.0 * std::log10(current));
    }
    const double total = gain * current;
    for (size_t c = 0; c < in.size(); ++c) out[c][m] = static_cast<float>(in[c][m] * total);
  }
  return report;
}

}  // namespace mixchain
