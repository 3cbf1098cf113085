"""A pytest plugin that records every call a reference tool's own test suite makes to the
tool's public scoring API: the inputs, the options and the numbers that came back.

Loaded by tools/parity/replay_tool_tests.py (`pytest -p replay_recorder`), never by CI. The
tests themselves are read from the tool's own published package (nervaluate's and seqeval's
sdists, spaCy's wheel ships `spacy/tests`) and run unchanged; this plugin only wraps the API
functions before the test modules import them, so whatever the tests call is recorded, in the
order they call it, with the node id of the test that made the call. A call made from inside
another recorded call (seqeval's `f1_score` calling `precision_recall_fscore_support`,
nervaluate's `Evaluator` calling a strategy) is not recorded again: only what a test asked for.

Output: the JSON Lines file named by the environment variable REPLAY_OUT, one call a line.
JSON has no NaN or infinity, so those floats are written as the strings "NaN", "inf", "-inf".
"""

import functools
import inspect
import json
import math
import os
import warnings

_records = []
_depth = [0]
_current_test = ["(collection)"]


def _plain(value):
    """A JSON-ready copy of an input or a result."""
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            return [_plain(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:
        pass
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=repr)
    if inspect.isclass(value):
        return value.__name__
    # nervaluate's Entity and EvaluationResult, seqeval's Entity.
    if hasattr(value, "label") and hasattr(value, "start") and hasattr(value, "end"):
        return [value.label, value.start, value.end]
    if hasattr(value, "to_tuple"):
        return _plain(value.to_tuple())
    if hasattr(value, "correct") and hasattr(value, "precision"):
        return {
            k: _plain(getattr(value, k))
            for k in ("correct", "incorrect", "partial", "missed", "spurious", "precision", "recall", "f1")
        }
    return repr(value)


def _record(tool, call, inputs, fn):
    """Runs `fn()`, recording `inputs` and what it returned (or raised) when at depth 0."""
    top = _depth[0] == 0
    _depth[0] += 1
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn()
            except Exception as error:  # recorded, then raised again for the test to see
                if top:
                    _records.append(
                        {"tool": tool, "test": _current_test[0], "call": call, "inputs": _plain(inputs),
                         "raised": f"{type(error).__name__}: {error}"}
                    )
                raise
        if top:
            _records.append(
                {"tool": tool, "test": _current_test[0], "call": call, "inputs": _plain(inputs),
                 "result": _plain(result), "warnings": sorted({type(w.message).__name__ for w in caught})}
            )
        return result
    finally:
        _depth[0] -= 1
        # The test may be waiting for a warning (pytest.warns): give it what was caught.
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _wrap_function(tool, owner, name, extra=None):
    original = getattr(owner, name)
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        inputs = dict(bound.arguments)
        if extra:
            inputs = extra(inputs)
        return _record(tool, name, inputs, lambda: original(*args, **kwargs))

    setattr(owner, name, wrapper)
    return wrapper


# ---------------------------------------------------------------------------------------------
# seqeval 1.2.2


def _seqeval():
    import seqeval.metrics as metrics
    import seqeval.metrics.sequence_labeling as sl
    import seqeval.metrics.v1 as v1
    import seqeval.scheme as scheme

    for name in ("f1_score", "precision_score", "recall_score", "accuracy_score", "performance_measure",
                 "get_entities"):
        wrapper = _wrap_function("seqeval", sl, name)
        if hasattr(metrics, name):
            setattr(metrics, name, wrapper)

    # classification_report returns text unless output_dict: record the dict it stands for.
    for module, call in ((sl, "classification_report"), (v1, "classification_report")):
        original = getattr(module, "classification_report")
        signature = inspect.signature(original)

        def make(original=original, signature=signature, call=call, module=module):
            @functools.wraps(original)
            def wrapper(*args, **kwargs):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                inputs = dict(bound.arguments)
                inputs["output_dict"] = True
                name = "classification_report" if module is sl else "v1.classification_report"

                def both():
                    as_dict = original(**inputs)
                    text = original(*args, **kwargs)
                    return as_dict, text

                if _depth[0] > 0:
                    return original(*args, **kwargs)
                holder = {}

                def run():
                    holder["dict"], holder["text"] = both()
                    return holder["dict"]

                _record("seqeval", name, inputs, run)
                return holder["text"]

            return wrapper

        wrapper = make()
        setattr(module, "classification_report", wrapper)
        if module is sl:
            metrics.classification_report = wrapper

    original_prfs = v1.precision_recall_fscore_support
    prfs_signature = inspect.signature(original_prfs)

    @functools.wraps(original_prfs)
    def prfs(*args, **kwargs):
        bound = prfs_signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return _record("seqeval", "v1.precision_recall_fscore_support", dict(bound.arguments),
                       lambda: original_prfs(*args, **kwargs))

    v1.precision_recall_fscore_support = prfs

    # The strict decoder: Tokens(...).entities and Entities(...).
    entities_property = scheme.Tokens.entities

    def tokens_entities(self):
        inputs = {"tokens": [t.token for t in self.tokens], "scheme": type(self.outside_token).__name__,
                  "suffix": _suffix_of(self)}
        return _record("seqeval", "Tokens.entities", inputs, lambda: entities_property.fget(self))

    scheme.Tokens.entities = property(tokens_entities)

    original_init = scheme.Entities.__init__

    def entities_init(self, sequences, scheme_class, suffix=False, delimiter="-"):
        inputs = {"sequences": sequences, "scheme": scheme_class, "suffix": suffix, "delimiter": delimiter}

        def run():
            original_init(self, sequences, scheme_class, suffix=suffix, delimiter=delimiter)
            return [[e.to_tuple() for e in sentence] for sentence in self.entities]

        _record("seqeval", "Entities", inputs, run)

    scheme.Entities.__init__ = entities_init


def _suffix_of(tokens):
    """Whether a seqeval `Tokens` was built with suffix-style tags (its `O` token says)."""
    return getattr(tokens, "_replay_suffix", False)


def _seqeval_tokens_suffix():
    import seqeval.scheme as scheme_module

    original = scheme_module.Tokens.__init__

    def init(self, tokens, scheme, suffix=False, delimiter="-", sent_id=None):
        original(self, tokens, scheme, suffix=suffix, delimiter=delimiter, sent_id=sent_id)
        self._replay_suffix = suffix

    scheme_module.Tokens.__init__ = init


# ---------------------------------------------------------------------------------------------
# nervaluate 1.2.1


def _nervaluate():
    import nervaluate.entities as entities
    import nervaluate.evaluator as evaluator
    import nervaluate.strategies as strategies

    original_init = evaluator.Evaluator.__init__

    def init(self, true, pred, tags, loader="default", min_overlap_percentage=1.0):
        self._replay_loader = loader
        original_init(self, true, pred, tags, loader=loader, min_overlap_percentage=min_overlap_percentage)

    evaluator.Evaluator.__init__ = init
    original_evaluate = evaluator.Evaluator.evaluate

    def evaluate(self):
        inputs = {"true": self.true, "pred": self.pred, "tags": self.tags, "loader": self._replay_loader,
                  "min_overlap_percentage": self.min_overlap_percentage}

        holder = {}

        def run():
            holder["out"] = original_evaluate(self)
            return {"overall": holder["out"]["overall"], "entities": holder["out"]["entities"]}

        _record("nervaluate", "Evaluator.evaluate", inputs, run)
        return holder["out"]

    evaluator.Evaluator.evaluate = evaluate

    for cls in (strategies.StrictEvaluation, strategies.PartialEvaluation, strategies.EntityTypeEvaluation,
                strategies.ExactEvaluation):
        original = cls.evaluate

        def make(original=original, cls=cls):
            def strategy_evaluate(self, true_entities, pred_entities, tags, instance_index=0):
                inputs = {"strategy": cls.__name__, "true": true_entities, "pred": pred_entities, "tags": tags,
                          "min_overlap_percentage": self.min_overlap_percentage}
                holder = {}

                def run():
                    holder["out"] = original(self, true_entities, pred_entities, tags, instance_index)
                    return holder["out"][0]

                _record("nervaluate", "strategy.evaluate", inputs, run)
                return holder["out"]

            return strategy_evaluate

        cls.evaluate = make()

    base = strategies.EvaluationStrategy
    overlap = base._calculate_overlap_percentage

    def calculate_overlap_percentage(pred, true):
        return _record("nervaluate", "overlap_percentage", {"pred": pred, "true": true}, lambda: overlap(pred, true))

    base._calculate_overlap_percentage = staticmethod(calculate_overlap_percentage)
    sufficient = base._has_sufficient_overlap

    def has_sufficient_overlap(self, pred, true):
        inputs = {"pred": pred, "true": true, "min_overlap_percentage": self.min_overlap_percentage}
        return _record("nervaluate", "has_sufficient_overlap", inputs, lambda: sufficient(self, pred, true))

    base._has_sufficient_overlap = has_sufficient_overlap
    compute = entities.EvaluationResult.compute_metrics

    def compute_metrics(self, partial_or_type=False):
        inputs = {"correct": self.correct, "incorrect": self.incorrect, "partial": self.partial,
                  "missed": self.missed, "spurious": self.spurious, "partial_or_type": partial_or_type}

        def run():
            compute(self, partial_or_type)
            return {"precision": self.precision, "recall": self.recall, "f1": self.f1}

        _record("nervaluate", "compute_metrics", inputs, run)

    entities.EvaluationResult.compute_metrics = compute_metrics


# ---------------------------------------------------------------------------------------------
# spaCy 3.8 (span scoring only: tags, dependencies, sentences and categories are not spans)


def _spacy():
    import spacy.scorer as scorer

    def spans_of(doc, spans):
        # Token offsets (what spaCy compares) and character offsets (what goldspan reads).
        return [[s.label_, s.start, s.end, s.start_char, s.end_char] for s in spans]

    original = scorer.Scorer.score_spans

    def score_spans(examples, attr, *, getter=getattr, has_annotation=None, labeled=True, allow_overlap=False,
                    **cfg):
        examples = list(examples)

        def annotated(doc):
            # None: the tool skips this side (`has_annotation` says it has no such spans).
            return has_annotation is None or bool(has_annotation(doc))

        inputs = {
            "examples": [
                {"tokens": [t.text for t in eg.reference],
                 "pred_tokens": [t.text for t in eg.predicted],
                 "text": eg.reference.text, "pred_text": eg.predicted.text,
                 "gold": spans_of(eg.reference, getter(eg.reference, attr)) if annotated(eg.reference) else None,
                 "pred": spans_of(eg.predicted, getter(eg.predicted, attr)) if annotated(eg.predicted) else None}
                for eg in examples
            ],
            "attr": attr, "labeled": labeled, "allow_overlap": allow_overlap,
        }
        return _record("spacy", "Scorer.score_spans", inputs,
                       lambda: original(examples, attr, getter=getter, has_annotation=has_annotation,
                                        labeled=labeled, allow_overlap=allow_overlap, **cfg))

    scorer.Scorer.score_spans = staticmethod(score_spans)
    original_ner = scorer.get_ner_prf

    def get_ner_prf(examples, **kwargs):
        examples = list(examples)
        inputs = {
            "examples": [
                {"tokens": [t.text for t in eg.reference],
                 "pred_tokens": [t.text for t in eg.predicted],
                 "text": eg.reference.text, "pred_text": eg.predicted.text,
                 "gold": spans_of(eg.reference, eg.reference.ents),
                 "pred": spans_of(eg.predicted, eg.predicted.ents),
                 # No ENT_IOB at all: the tool skips the example. Tokens whose entity
                 # annotation is missing (ent_iob 0): a prediction over one is ignored.
                 "gold_has_ents": bool(eg.reference.has_annotation("ENT_IOB")),
                 "gold_missing": [t.i for t in eg.reference if t.ent_iob == 0]}
                for eg in examples
            ]
        }
        return _record("spacy", "get_ner_prf", inputs, lambda: original_ner(examples, **kwargs))

    scorer.get_ner_prf = get_ner_prf
    # The NER component's scorer imported the function by name.
    import spacy.pipeline.ner as ner

    ner.get_ner_prf = get_ner_prf


# ---------------------------------------------------------------------------------------------
# pytest hooks


def pytest_configure(config):
    tool = os.environ["REPLAY_TOOL"]
    if tool == "seqeval":
        _seqeval_tokens_suffix()
        _seqeval()
    elif tool == "nervaluate":
        _nervaluate()
    elif tool == "spacy":
        _spacy()


def pytest_runtest_setup(item):
    _current_test[0] = item.nodeid


def pytest_unconfigure(config):
    with open(os.environ["REPLAY_OUT"], "w", encoding="utf-8") as out:
        for record in _records:
            out.write(json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n")
