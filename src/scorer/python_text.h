#pragma once
// The two Python string operations the ACGS-2 scorer applies to message text, reproduced exactly so
// keyword hits match the original: str.lower() (full Unicode lowercase mapping) and str.strip() (Unicode
// whitespace as str.isspace defines it). Input must be valid UTF-8 (it comes from a parsed JSON string).
#include <string>
#include <string_view>

namespace acgs {

// Unicode simple lowercase mapping plus the one unconditional multi-character mapping Python applies
// (U+0130 → "i\u0307"). Python's context-dependent final-sigma rule (Σ → ς at word end) is not applied:
// it cannot change a match against ASCII keywords and only affects Greek keywords in custom lists.
std::string python_lower(std::string_view text);

// Removes leading and trailing characters for which Python's str.isspace() is true.
std::string_view python_strip(std::string_view text);

}  // namespace acgs
