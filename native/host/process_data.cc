#include "host/process_data.h"

#include <algorithm>

namespace mixchain {

using namespace Steinberg;

namespace {
template <typename Interface>
tresult answer(Interface* self, const TUID iid, void** obj) {
  if (FUnknownPrivate::iidEqual(iid, FUnknown::iid) || FUnknownPrivate::iidEqual(iid, Interface::iid)) {
    *obj = self;
    return kResultOk;
  }
  *obj = nullptr;
  return kNoInterface;
}
}  // namespace

tresult PLUGIN_API ParamValueQueue::queryInterface(const TUID iid, void** obj) {
  return answer<Vst::IParamValueQueue>(this, iid, obj);
}
tresult PLUGIN_API ParameterChanges::queryInterface(const TUID iid, void** obj) {
  return answer<Vst::IParameterChanges>(this, iid, obj);
}
tresult PLUGIN_API EventList::queryInterface(const TUID iid, void** obj) {
  return answer<Vst::IEventList>(this, iid, obj);
}

tresult PLUGIN_API ParamValueQueue::getPoint(int32 index, int32& sampleOffset, Vst::ParamValue& value) {
  if (index < 0 || index >= getPointCount()) return kInvalidArgument;
  sampleOffset = points_[index].offset;
  value = points_[index].value;
  return kResultOk;
}

tresult PLUGIN_API ParamValueQueue::addPoint(int32 sampleOffset, Vst::ParamValue value, int32& index) {
  // Points stay sorted by offset; a second point at the same offset replaces the first.
  auto it = std::lower_bound(points_.begin(), points_.end(), sampleOffset,
                             [](const Point& p, int32 offset) { return p.offset < offset; });
  if (it != points_.end() && it->offset == sampleOffset) {
    it->value = value;
  } else {
    it = points_.insert(it, Point{sampleOffset, value});
  }
  index = static_cast<int32>(it - points_.begin());
  return kResultOk;
}

ParamValueQueue& ParameterChanges::queueFor(Vst::ParamID id) {
  for (int32 i = 0; i < used_; ++i) {
    if (queues_[i]->getParameterId() == id) return *queues_[i];
  }
  if (used_ == static_cast<int32>(queues_.size())) queues_.push_back(std::make_unique<ParamValueQueue>());
  ParamValueQueue& queue = *queues_[used_++];
  queue.reset(id);
  return queue;
}

Vst::IParamValueQueue* PLUGIN_API ParameterChanges::getParameterData(int32 index) {
  return index >= 0 && index < used_ ? queues_[index].get() : nullptr;
}

Vst::IParamValueQueue* PLUGIN_API ParameterChanges::addParameterData(const Vst::ParamID& id, int32& index) {
  ParamValueQueue& queue = queueFor(id);
  for (index = 0; index < used_ && queues_[index].get() != &queue; ++index) {
  }
  return &queue;
}

tresult PLUGIN_API EventList::getEvent(int32 index, Vst::Event& e) {
  if (index < 0 || index >= getEventCount()) return kInvalidArgument;
  e = events_[index];
  return kResultOk;
}

tresult PLUGIN_API EventList::addEvent(Vst::Event& e) {
  events_.push_back(e);
  return kResultOk;
}

}  // namespace mixchain
