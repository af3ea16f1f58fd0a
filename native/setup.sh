#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine with Node 20+ to a working mixchain:
# system packages (apt), npm dependencies, the addon and test plugins, the TypeScript build,
# then the demo render. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config      # the addon and test plugins
  juce-modules-source-data              # the VST3 SDK (GPLv3 option)
  juce-modules-source                   # JUCE's CMake config and juceaide: the JUCE test plugin
  libx11-dev                            # X11 headers JUCE's GUI code includes (JUCE test plugin)
  libfreetype-dev                       # fonts, juce_graphics (JUCE test plugin)
  libpng-dev                            # Debian's JUCE links the system libpng (JUCE test plugin)
  libjpeg-dev                           # ... and libjpeg (JUCE test plugin)
  zlib1g-dev                            # ... and zlib (JUCE test plugin)
  libsndfile1-dev                       # audio files
  libsoxr-dev                           # resampling
  libebur128-dev                        # loudness (EBU R128)
  ffmpeg                                # decoding what libsndfile cannot (M4A/AAC), loudness cross-checks
  zam-plugins                           # the real plugins the demo and tests use
  valgrind                              # npm run leak
  clang-format                          # npm run lint
  espeak-ng                             # the demo's spoken vocal
  curl                                  # the README's session with the service (its test runs it)
  jq                                    # ... which reads the JSON answers with jq
  redis-server                          # the tests start one: the job queue on Redis (BullMQ)
  chromium                              # the web page's tests drive it (playwright-core)
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "mixchain setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm install runs the package's install script: the one cmake-js build of the addon, our
# effects and the test plugins. Then the TypeScript.
npm install --no-audit --no-fund
npm run build:ts
npm run demo
