"""A spaCy named-entity recogniser as a goldspan extractor, served by `goldspan.serve`
(docs/python.md), which speaks the extractor protocol (docs/protocol.md) for it: one answer
line per request, flushed, stdout kept for answers, an exception failing only its document.

It declares itself (protocol 2) with the spaCy version and the pipeline's name and version, so
a new model gets its own cache. spaCy's English pipelines are trained on OntoNotes 5, so their
18 labels are exactly corpus/news's entity labels and no label map is needed.

Usage (see README.md beside this file):
    goldspan run --extractor 'cmd:python examples/spacy/spacy_ner.py en_core_web_sm' \
        --corpus corpus/news --split test --layer entities
"""

import sys

import goldspan
import spacy


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "en_core_web_sm"
    # Only the entity recogniser is needed; the rest of the pipeline would only cost time.
    nlp = spacy.load(model, disable=["lemmatizer", "textcat"])

    def extract(request):
        doc = nlp(request["text"])
        # spaCy's character offsets are Python string indices: code points, as goldspan wants.
        return [
            {"id": f"T{i}", "layer": "entities", "label": ent.label_, "start": ent.start_char, "end": ent.end_char}
            for i, ent in enumerate(doc.ents, start=1)
        ]

    config = {"model": model, "model_version": nlp.meta.get("version"), "pipeline": nlp.pipe_names}
    goldspan.serve(extract, name="spacy_ner", version=spacy.__version__, config=config)


if __name__ == "__main__":
    main()
