// Request bodies and headers as the server sees them: the first byte picks the endpoint (or header
// check), the rest is the raw body / header value. Every input must end in a typed request or an
// ApiError with a client-error status; any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api_error.h"
#include "server/auth.h"
#include "server/request_parse.h"

using namespace acgs::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const RequestLimits limits{4};
  try {
    switch (data[0] % 6) {
      case 4: ApiKey("fuzz-key").check(std::string(input)); return 0;
      case 5: check_constitutional_hash(std::string(input), "X-Constitutional-Hash"); return 0;
      default: break;
    }
    const nlohmann::json body = parse_json_body(input);
    check_body_hash(body);
    switch (data[0] % 6) {
      case 0: parse_embed_request(body, limits); break;
      case 1: parse_openai_request(body, limits); break;
      case 2: parse_tokenize_request(body, limits); break;
      default: parse_score_request(body, limits); break;
    }
  } catch (const ApiError& e) {
    const int s = e.status();
    if (s != 400 && s != 401 && s != 403 && s != 413 && s != 422) std::abort();
  }
  return 0;
}
