# The same addon as CMakeLists.txt builds, for node-gyp users. CI builds it too
# (npm run build:gyp) so it cannot rot. VST3_SDK_DIR overrides the SDK location.
{
  "variables": {
    "vst3_sdk%": "<!(node -p \"require('path').relative(process.cwd(), process.env.VST3_SDK_DIR || '/usr/share/juce/modules/juce_audio_processors/format_types/VST3_SDK')\")"
  },
  "targets": [
    {
      "target_name": "mixchain",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native/addon').filter(f => f.endsWith('.cc')).map(f => 'native/addon/' + f).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('native/host').filter(f => f.endsWith('.cc')).map(f => 'native/host/' + f).join(' ')\")",
        "<!@(node -p \"require('fs').readdirSync('native/audio').filter(f => f.endsWith('.cc')).map(f => 'native/audio/' + f).join(' ')\")",
        "<(vst3_sdk)/pluginterfaces/base/coreiids.cpp",
        "<(vst3_sdk)/pluginterfaces/base/funknown.cpp",
        "<(vst3_sdk)/pluginterfaces/base/ustring.cpp",
        "<(vst3_sdk)/pluginterfaces/base/conststringtable.cpp",
        "<(vst3_sdk)/base/source/baseiids.cpp",
        "<(vst3_sdk)/base/source/fbuffer.cpp",
        "<(vst3_sdk)/base/source/fdebug.cpp",
        "<(vst3_sdk)/base/source/fobject.cpp",
        "<(vst3_sdk)/base/source/fstreamer.cpp",
        "<(vst3_sdk)/base/source/fstring.cpp",
        "<(vst3_sdk)/base/source/updatehandler.cpp",
        "<(vst3_sdk)/base/thread/source/flock.cpp",
        "<(vst3_sdk)/public.sdk/source/common/memorystream.cpp",
        "<(vst3_sdk)/public.sdk/source/vst/vstinitiids.cpp",
        "<(vst3_sdk)/public.sdk/source/vst/vstpresetfile.cpp",
        "<(vst3_sdk)/public.sdk/source/vst/hosting/hostclasses.cpp",
        "<(vst3_sdk)/public.sdk/source/vst/hosting/pluginterfacesupport.cpp"
      ],
      "include_dirs": [
        "native",
        "<(vst3_sdk)",
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I sndfile soxr libebur128 | sed 's/-I//g')"
      ],
      "defines": [
        "NAPI_VERSION=9",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "RELEASE=1"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-w"],
      "libraries": ["<!@(pkg-config --libs sndfile soxr libebur128)", "-ldl", "-lpthread"],
      "ldflags": ["-Wl,--exclude-libs,ALL"]
    }
  ]
}
