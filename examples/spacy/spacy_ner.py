"""A spaCy named-entity recogniser behind goldspan's extractor protocol (docs/protocol.md).

goldspan writes one JSON request per line on stdin; this program answers each with one
interchange record on stdout. It speaks protocol 2: it answers goldspan's hello with the spaCy
version and the pipeline's name and version, so a new model gets its own cache. spaCy's English pipelines are trained on OntoNotes 5, so their
18 labels are exactly corpus/news's entity labels and no label map is needed.

Usage (see README.md beside this file):
    goldspan run --extractor 'cmd:python examples/spacy/spacy_ner.py en_core_web_sm' \
        --corpus corpus/news --split test --layer entities
"""

import json
import sys

import spacy


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "en_core_web_sm"
    # Only the entity recogniser is needed; the rest of the pipeline would only cost time.
    nlp = spacy.load(model, disable=["lemmatizer", "textcat"])
    for line in sys.stdin:
        request = json.loads(line)
        if "hello" in request:
            config = {"model": model, "model_version": nlp.meta.get("version"), "pipeline": nlp.pipe_names}
            hello = {"name": "spacy_ner", "version": spacy.__version__, "config": config}
            print(json.dumps({"goldspan": 2, "id": request["id"], "hello": hello}), flush=True)
            continue
        doc = nlp(request["text"])
        spans = [
            {"id": f"T{i}", "layer": "entities", "label": ent.label_, "start": ent.start_char, "end": ent.end_char}
            for i, ent in enumerate(doc.ents, start=1)
        ]
        # spaCy's character offsets are Python string indices: code points, as goldspan wants.
        print(json.dumps({"goldspan": 1, "id": request["id"], "spans": spans}), flush=True)


if __name__ == "__main__":
    main()
