"""Serialise SHAP summary documents to JSON files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from ._summary import Json, explanation_to_dict

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-.]")


def dumps(doc: Json) -> str:
    """The document as strict JSON (NaN and infinities are refused, as the format has none)."""
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def file_name(doc: Json) -> str:
    """The file name a document is written under: ``<model>[-v<version>][-<output>].shap.json``."""
    parts = [str(doc["model"])]
    if doc.get("version") is not None:
        parts.append("v" + str(doc["version"]))
    if doc.get("output") is not None:
        parts.append(str(doc["output"]))
    return "-".join(_UNSAFE.sub("_", p) or "_" for p in parts) + ".shap.json"


def write_explanation(expl: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Summarise expl (``explanation_to_dict`` keywords) and write it; return the file written.

    ``path`` is a file when it ends in ``.json``, else a directory (created when missing) that the
    document goes into under :func:`file_name`. The file is written to a temporary name first and
    renamed, so a reader polling the directory never sees half a document.
    """
    doc = explanation_to_dict(expl, **kwargs)
    return write_document(doc, path)


def write_document(doc: Json, path: str | os.PathLike[str]) -> Path:
    """Write a summary document to a file or into a directory (see :func:`write_explanation`)."""
    target = Path(path)
    if target.suffix.lower() != ".json":
        target = target / file_name(doc)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(doc)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
