// A loaded VST3 module (one .so): resolved from its bundle, dlopen'ed once per process, entered
// with ModuleEntry and asked for its factory once. Modules are never unloaded while the process
// lives: plugins leave threads and static allocator state behind that dlclose would strand
// (ZamVerb and ZamHeadX2 leak on every unload), and DPF's ModuleExit is not reference-counted.
// Every function here runs on the control thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pluginterfaces/base/ipluginbase.h"

namespace mixchain {

struct ClassInfo {
  std::string id;  // 32 hex digits, as in .vstpreset files
  Steinberg::TUID tuid;
  std::string name;
  std::string category;       // "Audio Module Class" for processors
  std::string subCategories;  // e.g. "Fx|Dynamics"
  std::string vendor;
  std::string version;
  std::string sdkVersion;
  Steinberg::uint32 flags = 0;
};

class Module {
 public:
  // The module for a bundle (or a single-file module), loaded on first use and cached by the
  // real path of its binary.
  static std::shared_ptr<Module> open(const std::string& bundlePath);

  // Where a bundle's binary for this machine's architecture lives; throws the coded errors
  // ERR_BUNDLE_NOT_FOUND and ERR_NO_BINARY_FOR_ARCH.
  static std::string binaryPathFor(const std::string& bundlePath);

  const std::string& bundlePath() const { return bundlePath_; }
  const std::string& binaryPath() const { return binaryPath_; }
  const std::string& factoryVendor() const { return factoryVendor_; }
  const std::string& factoryUrl() const { return factoryUrl_; }
  const std::vector<ClassInfo>& classes() const { return classes_; }
  Steinberg::IPluginFactory* factory() const { return factory_; }

  // The audio effect class to instantiate: the one named `className` (case-insensitive), or the
  // only audio module class when `className` is empty. Throws ERR_NO_AUDIO_EFFECT and
  // ERR_CLASS_AMBIGUOUS with the names on offer.
  const ClassInfo& audioEffectClass(const std::string& className) const;

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

 private:
  Module() = default;
  void load();
  void readClasses();

  std::string bundlePath_;
  std::string binaryPath_;
  std::string factoryVendor_;
  std::string factoryUrl_;
  void* handle_ = nullptr;
  Steinberg::IPluginFactory* factory_ = nullptr;  // owned reference, kept for the process life
  std::vector<ClassInfo> classes_;
};

}  // namespace mixchain
