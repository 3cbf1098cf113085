"""Type stubs of the extension module ``goldspan._goldspan`` (crates/goldspan-python); the
public API is ``goldspan``'s, which wraps it."""

from typing import Any, Dict, Iterable, List, Optional, Sequence

__version__: str
DEFAULT_SEED: int

class InputError(ValueError):
    """The input cannot be used; ``problems`` lists every problem found."""

    problems: List[Problem]

class GoldspanError(RuntimeError):
    """goldspan could not finish the work (not a problem of the input)."""

class Problem:
    """One problem in the input: where it is and what it is."""

    def __init__(self, file: str, line: Optional[int], document: Optional[str], message: str) -> None: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> Optional[int]: ...
    @property
    def document(self) -> Optional[str]: ...
    @property
    def message(self) -> str: ...

class Corpus:
    def __init__(self, path: str, split: Optional[str] = None) -> None: ...
    def __len__(self) -> int: ...
    def ids(self) -> List[str]: ...
    def record(self, index: int) -> str: ...

def cli(argv: Sequence[str]) -> int: ...
def score(
    *,
    gold_path: Optional[str] = None,
    gold_records: Optional[Iterable[Any]] = None,
    pred_path: Optional[str] = None,
    pred_records: Optional[Iterable[Any]] = None,
    pred_format: str = "jsonl",
    modes: Optional[List[str]],
    layers: Optional[List[str]] = None,
    label_map_path: Optional[str] = None,
    label_map: Optional[Dict[str, str]] = None,
    split: Optional[str] = None,
    bootstrap: int = 0,
    seed: int = ...,
    slices: List[str] = ...,
    per_document: bool = False,
    errors: bool = False,
    manifest: Optional[str] = None,
    conversion: str = "lines",
) -> str: ...
def score_tags(
    gold: List[List[str]],
    pred: List[List[str]],
    *,
    scheme: str = "IOB2",
    modes: Optional[List[str]],
    layer: str = "entities",
    bootstrap: int = 0,
    seed: int = ...,
    per_document: bool = False,
    errors: bool = False,
) -> str: ...
def read_documents(path: str, format: str, *, layer: Optional[str] = None, scheme: str = "IOB2") -> List[str]: ...
def convert(
    src: str,
    dst: str,
    *,
    from_: str,
    to: str,
    force: bool = False,
    layer: Optional[str] = None,
    scheme: str = "IOB2",
    to_scheme: Optional[str] = None,
) -> List[str]: ...
