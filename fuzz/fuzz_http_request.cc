// Raw request bytes as the HTTP transport reads them: fed to the transport's parser (configured as the
// server configures it) in pieces whose sizes the input's first bytes pick, as a slow or hostile client
// would send them. Every input must end as a complete request, a refusal with a client-error status
// (400/413/431), a connection-ending error, or a need for more bytes; any crash, sanitizer report or
// other status is a bug.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_parse.h"

using namespace acgs::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = 1 + data[0] % 64;  // bytes a read delivers
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr size_t kHeaderLimit = 512, kPayloadLimit = 1024;
  RequestParser parser;
  configure_parser(parser, kHeaderLimit, kPayloadLimit);
  parser.eager(true);
  std::string pending;
  while (!input.empty() || !pending.empty()) {
    const size_t take = std::min(piece, input.size());
    pending.append(input.substr(0, take));
    input.remove_prefix(take);
    boost::system::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == boost::beast::http::error::need_more) {
      if (input.empty()) return 0;  // the client stopped mid-request: a deadline ends it
      continue;
    }
    if (ec) {
      const Refusal refusal = refusal_for(ec, kHeaderLimit, kPayloadLimit);
      if (refusal.status != 0 && refusal.status != 400 && refusal.status != 413 && refusal.status != 431) std::abort();
      const HttpRequest refused = refused_request(parser, refusal);
      if (refused.refused != refusal.status) std::abort();
      return 0;
    }
    if (parser.is_done()) {
      expects_continue(parser);
      const HttpRequest request = request_from(parser);
      if (request.body.size() > kPayloadLimit || request.path.find('?') != std::string::npos) std::abort();
      request.header("Content-Length");
      return 0;
    }
    if (used == 0 && input.empty()) return 0;
  }
  return 0;
}
