#include "host/host_context.h"

#include "pluginterfaces/base/ustring.h"
#include "pluginterfaces/vst/ivstpluginterfacesupport.h"

namespace mixchain {

using namespace Steinberg;

HostContext& HostContext::instance() {
  // Never destroyed: factories keep a reference to it for the life of the process.
  static HostContext* const context = new HostContext();
  return *context;
}

tresult PLUGIN_API HostContext::getName(Vst::String128 name) {
  UString(name, 128).fromAscii("mixchain");
  return kResultTrue;
}

tresult PLUGIN_API HostContext::queryInterface(const TUID iid, void** obj) {
  if (FUnknownPrivate::iidEqual(iid, Vst::IPlugInterfaceSupport::iid) && mPlugInterfaceSupport) {
    return mPlugInterfaceSupport->queryInterface(iid, obj);
  }
  return HostApplication::queryInterface(iid, obj);
}

tresult PLUGIN_API ComponentHandler::beginEdit(Vst::ParamID) {
  return kResultOk;
}
tresult PLUGIN_API ComponentHandler::endEdit(Vst::ParamID) {
  return kResultOk;
}

tresult PLUGIN_API ComponentHandler::performEdit(Vst::ParamID id, Vst::ParamValue normalized) {
  std::lock_guard<std::mutex> lock(editsMutex_);
  edits_.push_back({id, normalized});
  return kResultOk;
}

tresult PLUGIN_API ComponentHandler::restartComponent(int32 flags) {
  restartFlags_.fetch_or(flags);
  return kResultOk;
}

std::vector<ComponentHandler::Edit> ComponentHandler::takeEdits() {
  std::lock_guard<std::mutex> lock(editsMutex_);
  return std::exchange(edits_, {});
}

tresult PLUGIN_API ComponentHandler::queryInterface(const TUID iid, void** obj) {
  if (FUnknownPrivate::iidEqual(iid, FUnknown::iid) || FUnknownPrivate::iidEqual(iid, Vst::IComponentHandler::iid)) {
    *obj = static_cast<Vst::IComponentHandler*>(this);
    return kResultOk;
  }
  *obj = nullptr;
  return kNoInterface;
}

}  // namespace mixchain
