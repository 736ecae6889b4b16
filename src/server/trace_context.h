#pragma once
// W3C Trace Context: the trace id of a `traceparent` header, so an access-log line can be joined with the
// caller's trace. Only the id is read; spans are the tracing system's business (no exporter here).
#include <string>
#include <string_view>

namespace acgs::server {

// The 32 lowercase hex digits of a valid traceparent ("00-<trace-id>-<parent-id>-<flags>", or a later
// version with the same first four fields); "" for anything else, which the spec says to ignore.
std::string trace_id_of(std::string_view traceparent);

}  // namespace acgs::server
