import json, re, sys

PATTERN = r"\b[A-Z]\w+"
print("capitalised-words tagger starting", file=sys.stderr)  # logs go to stderr

for line in sys.stdin:
    request = json.loads(line)
    if "hello" in request:
        hello = {"name": "capitalised-words", "version": "1.0.0", "config": {"pattern": PATTERN}}
        print(json.dumps({"goldspan": 2, "id": request["id"], "hello": hello}), flush=True)
        continue
    spans = [{"layer": "entities", "label": "PERSON", "start": m.start(), "end": m.end()}
             for m in re.finditer(PATTERN, request["text"])]
    print(json.dumps({"goldspan": 1, "id": request["id"], "spans": spans}), flush=True)
