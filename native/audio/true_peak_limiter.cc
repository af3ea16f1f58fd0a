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
std::vector<double> truePeakEnvelope(const std::vector<float*>& channels, size_t frames) {
  static const Interpolator interpolator;
  const int half = kTapsPerPhase / 2;
  std::vector<double> envelope(frames, 0.0);
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
      envelope[n] = std::max(envelope[n], peak);
      // The interpolated points between n-1 and n belong to both samples' windows.
      if (n > 0) envelope[n - 1] = std::max(envelope[n - 1], peak);
    }
  }
  return envelope;
}

// out[n] = min(in[n - window + 1 .. n]) (a monotonic deque: O(n)).
std::vector<double> movingMin(const std::vector<double>& in, size_t window) {
  std::vector<double> out(in.size());
  std::deque<size_t> candidates;
  for (size_t n = 0; n < in.size(); ++n) {
    while (!candidates.empty() && in[candidates.back()] >= in[n]) candidates.pop_back();
    candidates.push_back(n);
    if (candidates.front() + window <= n) candidates.pop_front();
    out[n] = in[candidates.front()];
  }
  return out;
}

}  // namespace

LimiterReport limitTruePeak(std::vector<float*>& channels, size_t frames, double sampleRate,
                            const LimiterSettings& settings) {
  LimiterReport report{0, 0};
  if (frames == 0 || channels.empty()) return report;
  const double ceiling = std::pow(10.0, settings.ceilingDbtp / 20.0);
  const std::vector<double> envelope = truePeakEnvelope(channels, frames);
  const size_t lookahead = std::max<size_t>(1, static_cast<size_t>(settings.lookaheadMs * 1e-3 * sampleRate));

  // The gain each sample needs, padded so the windows below can look `lookahead` ahead.
  std::vector<double> needed(frames + 2 * lookahead, 1.0);
  bool any = false;
  for (size_t n = 0; n < frames; ++n) {
    if (envelope[n] > ceiling) {
      needed[n] = ceiling / envelope[n];
      any = true;
    }
  }
  if (!any) return report;

  // Moving minimum then moving average over the same window: at every peak, each averaged
  // minimum already includes the peak, so the gain there is at most what the peak needs, and
  // the gain moves in straight ramps instead of steps. Applied `lookahead - 1` samples early.
  const std::vector<double> minimum = movingMin(needed, lookahead);
  std::vector<double> gain(frames, 1.0);
  double sum = 0;
  std::vector<double> smooth(needed.size(), 1.0);
  for (size_t n = 0; n < needed.size(); ++n) {
    sum += minimum[n];
    if (n >= lookahead) sum -= minimum[n - lookahead];
    smooth[n] = sum / static_cast<double>(std::min(n + 1, lookahead));
  }
  const double release = 1.0 - std::exp(-1.0 / (settings.releaseMs * 1e-3 * sampleRate));
  double current = 1.0;
  for (size_t n = 0; n < frames; ++n) {
    const double target = smooth[n + lookahead - 1];
    current = std::min(target, current + (1.0 - current) * release);
    if (1.0 - current < 1e-7) current = std::min(target, 1.0);  // fully recovered: exactly unity
    gain[n] = current;
  }
  for (float* x : channels) {
    for (size_t n = 0; n < frames; ++n) x[n] = static_cast<float>(x[n] * gain[n]);
  }
  for (size_t n = 0; n < frames; ++n) {
    if (gain[n] < 1.0) {
      ++report.limitedSamples;
      report.maxReductionDb = std::min(report.maxReductionDb, 20.0 * std::log10(gain[n]));
    }
  }
  return report;
}

}  // namespace mixchain
