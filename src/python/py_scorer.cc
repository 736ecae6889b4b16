// acgs_infer._core.Scorer: the C++ ImpactScorer over an Engine (its backend chain, a CUDA plan included),
// or keyword heuristics only. Messages are parsed with the GIL held; the model runs without it.
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "engine/engine.h"
#include "python/bindings.h"
#include "python/py_json.h"
#include "scorer/engine_embedder.h"
#include "scorer/impact_scorer.h"
#include "scorer/scoring_config.h"

namespace py = pybind11;

namespace acgs::python {
namespace {

struct Scorer {
  std::unique_ptr<ImpactScorer> scorer;
  std::string note;  // why an implicit default model is not used, when it is not
};

// backend "heuristic": keywords only. The default model ("") with backend "auto" falls back to keywords
// (with `note` saying why) when it cannot run, as the seed fell back when transformers was missing; a
// named model or backend that cannot run is an error.
std::unique_ptr<Scorer> make_scorer(const std::string& config_json, const std::string& model,
                                    const std::string& backend, int threads) {
  auto s = std::make_unique<Scorer>();
  const ScoringConfig config = scoring_config_from_json(nlohmann::json::parse(config_json), "ScoringConfig");
  std::shared_ptr<TextEmbedder> embedder;
  if (backend != "heuristic") {
    const bool implicit = model.empty() && backend == "auto";
    py::gil_scoped_release release;
    try {
      EngineOptions options;
      options.backend = backend == "auto" ? "" : backend;
      options.threads = threads;
      std::shared_ptr<const Engine> engine = Engine::open(model, options);
      embedder = std::make_shared<EngineEmbedder>(std::move(engine), config.embedding.max_length);
    } catch (const Error& e) {
      if (!implicit || e.kind() == ErrorKind::kInvalidArgument) throw;
      s->note = std::string("the default model cannot run here (") + e.what() + "); scoring with keyword heuristics";
    }
  }
  py::gil_scoped_release release;
  s->scorer = std::make_unique<ImpactScorer>(config, std::move(embedder));
  return s;
}

py::dict factors_dict(const ImpactFactors& f) {
  py::dict d;
  d["semantic"] = f.semantic;
  d["permission"] = f.permission;
  d["volume"] = f.volume;
  d["context"] = f.context;
  d["drift"] = f.drift;
  d["priority"] = f.priority;
  d["type"] = f.type;
  return d;
}

// [(score, factors, recommendation, requires_deliberation)] for messages (dicts) and contexts (dicts or
// None; an empty list = no contexts).
py::list score(Scorer& s, const py::list& messages, const py::list& contexts) {
  std::vector<ScoringMessage> parsed;
  std::vector<ScoringContext> parsed_contexts;
  parsed.reserve(messages.size());
  for (const py::handle m : messages) parsed.push_back(parse_message(to_json(m)));
  for (const py::handle c : contexts) parsed_contexts.push_back(parse_context(to_json(c)));
  std::vector<ImpactResult> results;
  {
    py::gil_scoped_release release;
    results = s.scorer->score_batch(parsed, parsed_contexts);
  }
  py::list out;
  for (const ImpactResult& r : results)
    out.append(py::make_tuple(r.score, factors_dict(r.factors), r.recommendation, r.requires_deliberation));
  return out;
}

}  // namespace

void bind_scorer(py::module_& m) {
  py::class_<Scorer>(m, "Scorer", "The ACGS-2 impact scorer")
      .def(py::init(&make_scorer), py::arg("config_json") = "{}", py::arg("model") = "", py::arg("backend") = "auto",
           py::arg("threads") = 0)
      .def("score", &score, py::arg("messages"), py::arg("contexts") = py::list())
      .def_property_readonly("mode", [](const Scorer& s) { return s.scorer->mode(); })
      .def_property_readonly("note", [](const Scorer& s) { return s.note; })
      .def("config_json", [](const Scorer& s) { return scoring_config_to_json(s.scorer->config()).dump(); });
}

}  // namespace acgs::python
