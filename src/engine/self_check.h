#pragma once
// The startup self-check: a candidate backend runs one short sequence and must agree with the reference
// backend within the tolerance its precision allows. Catches a backend that loads but computes garbage
// (a stale plan, a broken driver, a kernel miscompiled for this CPU) before it serves a request.
#include <string>
#include <vector>

#include "backend/backend.h"
#include "model/token_batch.h"

namespace acgs {

struct SelfCheckInput {
  TokenBatch batch;                  // one short sequence
  std::vector<float> reference;      // the reference backend's hidden states for it
};

// Runs the reference backend on `batch` (one short text, tokenized by the engine's tokenizer).
SelfCheckInput make_self_check_input(const TokenBatch& batch, Backend& reference);

// Empty when `candidate` agrees with the reference; otherwise the reason. Tolerances on the last hidden
// state: fp32 max |diff| <= 1e-3, fp16 max |diff| <= 2e-2, int8 cosine similarity of every token row
// >= 0.99 (int8 errors are relative to the activation scale, so an absolute bound does not fit).
// Exceptions thrown by the candidate become the reason.
std::string run_self_check(Backend& candidate, const std::string& precision, const SelfCheckInput& input);

}  // namespace acgs
