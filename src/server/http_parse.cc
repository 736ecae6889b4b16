#include "server/http_parse.h"

#include <boost/beast/http/error.hpp>

namespace acgs::server {
namespace {

namespace http = boost::beast::http;

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

}  // namespace

void configure_parser(RequestParser& parser, size_t header_limit, size_t payload_limit) {
  parser.header_limit(static_cast<std::uint32_t>(header_limit));
  parser.body_limit(payload_limit);
}

Refusal refusal_for(const boost::system::error_code& ec, size_t header_limit, size_t payload_limit) {
  if (ec == http::error::body_limit)
    return {413, "request body is larger than the server's limit of " + std::to_string(payload_limit) +
                     " bytes (--payload-limit); send fewer or shorter inputs"};
  if (ec == http::error::header_limit)
    return {431, "request headers are larger than the server's limit of " + std::to_string(header_limit) + " bytes"};
  // end_of_stream / partial_message: the client went away mid-request, nobody to answer.
  if (ec.category() == http::make_error_code(http::error::bad_method).category() && ec != http::error::end_of_stream &&
      ec != http::error::partial_message)
    return {400, "malformed HTTP request: " + ec.message()};
  return {};
}

HttpRequest request_from(RequestParser& parser) {
  http::request<http::string_body> message = parser.release();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.path = path_of(message.target());
  for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
  request.body = std::move(message.body());
  return request;
}

HttpRequest refused_request(const RequestParser& parser, Refusal refusal) {
  HttpRequest request;
  if (parser.is_header_done()) {
    request.method = std::string(parser.get().method_string());
    request.path = path_of(parser.get().target());
  }
  request.refused = refusal.status;
  request.refusal = std::move(refusal.message);
  return request;
}

bool expects_continue(const RequestParser& parser) {
  const auto& header = parser.get();
  const auto expect = header.find(http::field::expect);
  return expect != header.end() && iequals(expect->value(), "100-continue");
}

}  // namespace acgs::server
