#include "host/module.h"

#include <dlfcn.h>
#include <strings.h>
#include <sys/utsname.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "host/crash_marker.h"
#include "host/errors.h"
#include "host/host_context.h"
#include "host/strings.h"
#include "pluginterfaces/base/funknown.h"
#include "pluginterfaces/vst/ivstaudioprocessor.h"

namespace mixchain {

namespace fs = std::filesystem;
using namespace Steinberg;

namespace {

std::string machineArchitecture() {
  struct utsname name {};
  uname(&name);
  return name.machine;
}

std::string listFolder(const fs::path& folder) {
  std::string names;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(folder, ignored)) {
    if (!names.empty()) names += ", ";
    names += entry.path().filename().string();
  }
  return names.empty() ? "nothing" : names;
}

std::string hexId(const TUID tuid) {
  static const char digits[] = "0123456789ABCDEF";
  std::string id;
  for (int i = 0; i < 16; ++i) {
    const auto byte = static_cast<unsigned char>(tuid[i]);
    id += digits[byte >> 4];
    id += digits[byte & 15];
  }
  return id;
}

// Every module ever loaded, by the real path of its binary. Leaked on purpose (see module.h).
std::map<std::string, std::shared_ptr<Module>>& registry() {
  static auto* const modules = new std::map<std::string, std::shared_ptr<Module>>();
  return *modules;
}

}  // namespace

std::string Module::binaryPathFor(const std::string& bundlePath) {
  const fs::path bundle(bundlePath);
  std::error_code error;
  const auto status = fs::status(bundle, error);
  if (error || !fs::exists(status)) {
    fail("ERR_BUNDLE_NOT_FOUND", "Expected a VST3 bundle at '" + bundlePath + "' but nothing is there");
  }
  if (fs::is_regular_file(status)) return fs::canonical(bundle).string();  // single-file module
  if (!fs::is_directory(status)) {
    fail("ERR_BUNDLE_NOT_FOUND",
         "Expected a VST3 bundle folder or module file at '" + bundlePath + "' but found a special file");
  }
  const std::string arch = machineArchitecture() + "-linux";
  const fs::path contents = bundle / "Contents";
  const fs::path archFolder = contents / arch;
  const std::string stem = bundle.stem().string();
  const fs::path binary = archFolder / (stem + ".so");
  if (!fs::exists(archFolder)) {
    fail("ERR_NO_BINARY_FOR_ARCH", "Expected the bundle '" + bundlePath + "' to contain Contents/" + arch +
                                       "/ but Contents/ holds " + listFolder(contents));
  }
  if (!fs::is_regular_file(binary)) {
    fail("ERR_NO_BINARY_FOR_ARCH", "Expected Contents/" + arch + "/" + stem + ".so in the bundle '" + bundlePath +
                                       "' but Contents/" + arch + "/ holds " + listFolder(archFolder));
  }
  return fs::canonical(binary).string();
}

std::shared_ptr<Module> Module::open(const std::string& bundlePath) {
  const std::string binary = binaryPathFor(bundlePath);
  auto& modules = registry();
  auto found = modules.find(binary);
  if (found != modules.end()) return found->second;

  std::shared_ptr<Module> module(new Module());
  module->bundlePath_ = bundlePath;
  module->binaryPath_ = binary;
  module->load();
  modules.emplace(binary, module);
  return module;
}

void Module::load() {
  // Until a class is known, a crash is charged to the bundle by its name.
  const std::string bundleName = fs::path(bundlePath_).filename().string();
  crash_marker::PluginScope loading(bundleName, crash_marker::Phase::Module);
  // RTLD_LOCAL keeps each plugin's symbols to itself; RTLD_NOW makes a missing symbol fail here
  // rather than in the middle of a render.
  handle_ = dlopen(binaryPath_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* reason = dlerror();
    fail("ERR_DLOPEN", "Cannot load '" + binaryPath_ + "': " + (reason ? reason : "unknown error") +
                           " (when a library is missing it is named here: install it, e.g. with apt)");
  }
  using EntryFn = bool (*)(void*);
  using FactoryFn = IPluginFactory* (*)();
  auto entry = reinterpret_cast<EntryFn>(dlsym(handle_, "ModuleEntry"));
  auto getFactory = reinterpret_cast<FactoryFn>(dlsym(handle_, "GetPluginFactory"));
  auto exit = dlsym(handle_, "ModuleExit");
  if (!entry || !getFactory || !exit) {
    fail("ERR_NOT_A_VST3_MODULE",
         "Expected '" + binaryPath_ + "' to export ModuleEntry, ModuleExit and GetPluginFactory but " +
             (getFactory ? "ModuleEntry or ModuleExit is missing" : "GetPluginFactory is missing"));
  }
  // The handle stays open even when entry fails: unloading code that has started running is
  // never safe, and a failed module is not retried.
  if (!entry(handle_)) {
    fail("ERR_MODULE_ENTRY", "ModuleEntry of '" + binaryPath_ + "' returned false (the plugin refused to start)");
  }
  crash_marker::PluginScope asking(bundleName, crash_marker::Phase::Factory);
  factory_ = getFactory();
  if (!factory_) fail("ERR_NOT_A_VST3_MODULE", "GetPluginFactory of '" + binaryPath_ + "' returned null");

  PFactoryInfo info{};
  if (factory_->getFactoryInfo(&info) == kResultOk) {
    factoryVendor_ = info.vendor;
    factoryUrl_ = info.url;
  }
  IPluginFactory3* factory3 = nullptr;
  if (factory_->queryInterface(IPluginFactory3::iid, reinterpret_cast<void**>(&factory3)) == kResultOk && factory3) {
    factory3->setHostContext(&HostContext::instance());
    factory3->release();
  }
  readClasses();
}

void Module::readClasses() {
  IPluginFactory2* factory2 = nullptr;
  IPluginFactory3* factory3 = nullptr;
  factory_->queryInterface(IPluginFactory2::iid, reinterpret_cast<void**>(&factory2));
  factory_->queryInterface(IPluginFactory3::iid, reinterpret_cast<void**>(&factory3));
  const int32 count = factory_->countClasses();
  for (int32 i = 0; i < count; ++i) {
    ClassInfo info;
    PClassInfoW infoW{};
    PClassInfo2 info2{};
    PClassInfo info1{};
    if (factory3 && factory3->getClassInfoUnicode(i, &infoW) == kResultOk) {
      memcpy(info.tuid, infoW.cid, sizeof(TUID));
      info.name = fromUtf16(infoW.name);
      info.category = infoW.category;
      info.subCategories = infoW.subCategories;
      info.vendor = fromUtf16(infoW.vendor);
      info.version = fromUtf16(infoW.version);
      info.sdkVersion = fromUtf16(infoW.sdkVersion);
      info.flags = infoW.classFlags;
    } else if (factory2 && factory2->getClassInfo2(i, &info2) == kResultOk) {
      memcpy(info.tuid, info2.cid, sizeof(TUID));
      info.name = info2.name;
      info.category = info2.category;
      info.subCategories = info2.subCategories;
      info.vendor = info2.vendor;
      info.version = info2.version;
      info.sdkVersion = info2.sdkVersion;
      info.flags = info2.classFlags;
    } else if (factory_->getClassInfo(i, &info1) == kResultOk) {
      memcpy(info.tuid, info1.cid, sizeof(TUID));
      info.name = info1.name;
      info.category = info1.category;
    } else {
      continue;
    }
    if (info.vendor.empty()) info.vendor = factoryVendor_;
    info.id = hexId(info.tuid);
    classes_.push_back(std::move(info));
  }
  if (factory2) factory2->release();
  if (factory3) factory3->release();
}

const ClassInfo& Module::audioEffectClass(const std::string& className) const {
  std::vector<const ClassInfo*> effects;
  for (const auto& info : classes_) {
    if (info.category == kVstAudioEffectClass) effects.push_back(&info);
  }
  std::string offered;
  for (const auto* info : effects) offered += (offered.empty() ? "'" : ", '") + info->name + "'";
  if (effects.empty()) {
    fail("ERR_NO_AUDIO_EFFECT", "Expected an audio effect class (\"" + std::string(kVstAudioEffectClass) + "\") in '" +
                                    bundlePath_ + "' but it has none");
  }
  if (className.empty()) {
    if (effects.size() == 1) return *effects.front();
    fail("ERR_CLASS_AMBIGUOUS", "The bundle '" + bundlePath_ + "' holds several audio effects (" + offered +
                                    "); pass className to choose one");
  }
  for (const auto* info : effects) {
    if (strcasecmp(info->name.c_str(), className.c_str()) == 0) return *info;
  }
  fail("ERR_NO_AUDIO_EFFECT",
       "Expected an audio effect named '" + className + "' in '" + bundlePath_ + "' but it offers " + offered);
}

}  // namespace mixchain
