// The module's entry points and its class factory: one processor and one controller class per
// effect the bundle declares.
#include <cstring>

#include "effect_class.h"
#include "pluginterfaces/base/ipluginbase.h"
#include "pluginterfaces/vst/ivstaudioprocessor.h"
#include "pluginterfaces/vst/ivsteditcontroller.h"

using namespace Steinberg;

namespace mixchain_effects {
namespace {

class Factory : public IPluginFactory2 {
 public:
  tresult PLUGIN_API getFactoryInfo(PFactoryInfo* info) override {
    std::memset(info, 0, sizeof(*info));
    std::strncpy(info->vendor, kBundleVendor, PFactoryInfo::kNameSize - 1);
    std::strncpy(info->url, "https://github.com/mixchain", PFactoryInfo::kURLSize - 1);
    info->flags = PFactoryInfo::kUnicode;
    return kResultOk;
  }
  int32 PLUGIN_API countClasses() override { return kEffectCount * 2; }
  tresult PLUGIN_API getClassInfo(int32 index, PClassInfo* info) override {
    PClassInfo2 full;
    if (getClassInfo2(index, &full) != kResultOk) return kInvalidArgument;
    std::memset(info, 0, sizeof(*info));
    std::memcpy(info->cid, full.cid, sizeof(TUID));
    info->cardinality = full.cardinality;
    std::strncpy(info->category, full.category, PClassInfo::kCategorySize - 1);
    std::strncpy(info->name, full.name, PClassInfo::kNameSize - 1);
    return kResultOk;
  }
  tresult PLUGIN_API getClassInfo2(int32 index, PClassInfo2* info) override {
    if (index < 0 || index >= countClasses()) return kInvalidArgument;
    const EffectClass& effect = kEffects[index / 2];
    const bool processor = index % 2 == 0;
    std::memset(info, 0, sizeof(*info));
    (processor ? effect.processorId : effect.controllerId).toTUID(info->cid);
    info->cardinality = PClassInfo::kManyInstances;
    std::strncpy(info->category, processor ? kVstAudioEffectClass : kVstComponentControllerClass,
                 PClassInfo::kCategorySize - 1);
    std::strncpy(info->name, effect.name, PClassInfo::kNameSize - 1);
    std::strncpy(info->subCategories, processor ? effect.subCategories : "", PClassInfo2::kSubCategoriesSize - 1);
    std::strncpy(info->vendor, kBundleVendor, PClassInfo2::kVendorSize - 1);
    std::strncpy(info->version, "1.0.0", PClassInfo2::kVersionSize - 1);
    std::strncpy(info->sdkVersion, "VST 3.7.2", PClassInfo2::kVersionSize - 1);
    return kResultOk;
  }
  tresult PLUGIN_API createInstance(FIDString cid, FIDString iid, void** obj) override {
    *obj = nullptr;
    for (int i = 0; i < kEffectCount; ++i) {
      const EffectClass& effect = kEffects[i];
      FUnknown* made = nullptr;
      if (FUnknownPrivate::iidEqual(cid, effect.processorId.toTUID())) made = effect.createProcessor();
      if (FUnknownPrivate::iidEqual(cid, effect.controllerId.toTUID())) made = effect.createController();
      if (!made) continue;
      const tresult result = made->queryInterface(iid, obj);
      made->release();
      return result == kResultOk ? kResultOk : kNoInterface;
    }
    return kInvalidArgument;
  }
  tresult PLUGIN_API queryInterface(const TUID iid, void** obj) override {
    if (FUnknownPrivate::iidEqual(iid, FUnknown::iid) || FUnknownPrivate::iidEqual(iid, IPluginFactory::iid) ||
        FUnknownPrivate::iidEqual(iid, IPluginFactory2::iid)) {
      *obj = static_cast<IPluginFactory2*>(this);
      return kResultOk;
    }
    *obj = nullptr;
    return kNoInterface;
  }
  // One static factory for the life of the module.
  uint32 PLUGIN_API addRef() override { return 1; }
  uint32 PLUGIN_API release() override { return 1; }
};

Factory factory;

}  // namespace
}  // namespace mixchain_effects

extern "C" {
__attribute__((visibility("default"))) IPluginFactory* GetPluginFactory() {
  return &mixchain_effects::factory;
}
__attribute__((visibility("default"))) bool ModuleEntry(void*) {
  return true;
}
__attribute__((visibility("default"))) bool ModuleExit() {
  return true;
}
}
