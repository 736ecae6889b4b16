#pragma once
// Where the files shipped with acgs-infer live (data/: the bert-base-uncased vocabulary and tokenizer).
// Looked up, in order: $ACGS_DATA_DIR, the source tree's data/ baked in at compile time, then data/ and
// ../share/acgs-infer/data/ next to the running executable (an installed or copied build).
#include <filesystem>
#include <string>

namespace acgs {

// The first candidate directory that holds `relative`; throws Error(kUnavailable) listing the places
// searched if none does.
std::filesystem::path find_data_file(const std::string& relative);

}  // namespace acgs
