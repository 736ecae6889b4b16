#pragma once
// How the transport turns bytes into an HttpRequest: Beast's request parser under our limits, and what
// each parse error becomes. Shared by the transport and its fuzzer (fuzz/fuzz_http_request.cc), so the
// fuzzer drives exactly the parsing the server does.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <string>

#include "server/http_message.h"

namespace acgs::server {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A fresh parser: headers at most header_limit bytes, the body (Content-Length or chunked) at most
// payload_limit.
void configure_parser(RequestParser& parser, size_t header_limit, size_t payload_limit);

// What a failed read becomes: an error reply's status and message (413 body too large, 431 headers too
// large, 400 malformed), or status 0 for errors that just end the connection (peer gone, deadline).
struct Refusal {
  int status = 0;
  std::string message;
};
Refusal refusal_for(const boost::system::error_code& ec, size_t header_limit, size_t payload_limit);

// The complete request a done parser holds (its body is moved out).
HttpRequest request_from(RequestParser& parser);
// A refused request: method and path when the header was read, the refusal's status and message.
HttpRequest refused_request(const RequestParser& parser, Refusal refusal);

// True when the request asks for "100 Continue" before it sends its body.
bool expects_continue(const RequestParser& parser);

}  // namespace acgs::server
