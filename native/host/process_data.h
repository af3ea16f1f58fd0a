// The containers a host passes to every process() call: parameter changes (in and out) and
// event lists. A plugin must always get real, empty-when-idle containers (DPF asserts on every
// block otherwise). All are owned by the host and outlive every call, so reference counting is
// a no-op; storage is reserved up front so the render loop does not allocate.
#pragma once

#include <memory>
#include <vector>

#include "pluginterfaces/vst/ivstevents.h"
#include "pluginterfaces/vst/ivstparameterchanges.h"

namespace mixchain {

#define MIXCHAIN_NOREFCOUNT                         \
  Steinberg::uint32 PLUGIN_API addRef() override {  \
    return 1;                                       \
  }                                                 \
  Steinberg::uint32 PLUGIN_API release() override { \
    return 1;                                       \
  }                                                 \
  Steinberg::tresult PLUGIN_API queryInterface(const Steinberg::TUID iid, void** obj) override;

class ParamValueQueue : public Steinberg::Vst::IParamValueQueue {
 public:
  struct Point {
    Steinberg::int32 offset;
    Steinberg::Vst::ParamValue value;
  };

  void reset(Steinberg::Vst::ParamID id) {
    id_ = id;
    points_.clear();
  }
  const std::vector<Point>& points() const { return points_; }

  Steinberg::Vst::ParamID PLUGIN_API getParameterId() override { return id_; }
  Steinberg::int32 PLUGIN_API getPointCount() override { return static_cast<Steinberg::int32>(points_.size()); }
  Steinberg::tresult PLUGIN_API getPoint(Steinberg::int32 index, Steinberg::int32& sampleOffset,
                                         Steinberg::Vst::ParamValue& value) override;
  Steinberg::tresult PLUGIN_API addPoint(Steinberg::int32 sampleOffset, Steinberg::Vst::ParamValue value,
                                         Steinberg::int32& index) override;
  MIXCHAIN_NOREFCOUNT

 private:
  Steinberg::Vst::ParamID id_ = 0;
  std::vector<Point> points_;
};

class ParameterChanges : public Steinberg::Vst::IParameterChanges {
 public:
  void clear() { used_ = 0; }
  bool empty() const { return used_ == 0; }
  // The queue for `id`, created on first use in this block.
  ParamValueQueue& queueFor(Steinberg::Vst::ParamID id);
  Steinberg::int32 count() const { return used_; }
  ParamValueQueue& at(Steinberg::int32 index) { return *queues_[index]; }

  Steinberg::int32 PLUGIN_API getParameterCount() override { return used_; }
  Steinberg::Vst::IParamValueQueue* PLUGIN_API getParameterData(Steinberg::int32 index) override;
  Steinberg::Vst::IParamValueQueue* PLUGIN_API addParameterData(const Steinberg::Vst::ParamID& id,
                                                                Steinberg::int32& index) override;
  MIXCHAIN_NOREFCOUNT

 private:
  std::vector<std::unique_ptr<ParamValueQueue>> queues_;
  Steinberg::int32 used_ = 0;
};

class EventList : public Steinberg::Vst::IEventList {
 public:
  EventList() { events_.reserve(64); }
  void clear() { events_.clear(); }

  Steinberg::int32 PLUGIN_API getEventCount() override { return static_cast<Steinberg::int32>(events_.size()); }
  Steinberg::tresult PLUGIN_API getEvent(Steinberg::int32 index, Steinberg::Vst::Event& e) override;
  Steinberg::tresult PLUGIN_API addEvent(Steinberg::Vst::Event& e) override;
  MIXCHAIN_NOREFCOUNT

 private:
  std::vector<Steinberg::Vst::Event> events_;
};

}  // namespace mixchain
