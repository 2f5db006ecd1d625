from __future__ import annotations

import datetime

import pytest
from shillelagh.exceptions import ProgrammingError

from dte_trust_superset import FIELDS, QUERY_TYPES, build_uri, parse_uri
from dte_trust_superset._query import DEFAULT_FROM, DEFAULT_TO, parse_time, rfc3339


def test_parse_typed_fields() -> None:
    t = parse_uri(
        "dtetrust://fairness?model=credit-risk-classifier&format=latest&metrics=demographic_parity_difference,"
        "equalized_odds_difference&limit=5&history=false&differenceMax=0.2&ratioMin=0.75&from=2025-01-01T00:00:00Z"
    )
    assert t.query_type == "fairness"
    assert t.fields == {
        "model": "credit-risk-classifier",
        "format": "latest",
        "metrics": ["demographic_parity_difference", "equalized_odds_difference"],
        "limit": 5,
        "history": False,
        "differenceMax": 0.2,
        "ratioMin": 0.75,
    }
    assert (t.time_from, t.time_to) == ("2025-01-01T00:00:00Z", DEFAULT_TO)
    assert t.model()["queryType"] == "fairness" and t.model()["format"] == "latest"


def test_defaults_and_repeated_lists() -> None:
    t = parse_uri("dtetrust://drift?metrics=a&metrics=b,c")
    assert t.fields == {"metrics": ["a", "b", "c"]}
    assert (t.time_from, t.time_to) == (DEFAULT_FROM, DEFAULT_TO)
    assert t.model() == {"queryType": "drift", "format": "table", "metrics": ["a", "b", "c"]}
    # Only evidence types get the default format.
    assert parse_uri("dtetrust://annotations?annotation=drift_detected").model() == {
        "queryType": "annotations",
        "annotation": "drift_detected",
    }


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("dtetrust://fairnes", "unknown DTE Trust query type 'fairnes'"),
        ("dtetrust://fairness?modle=x", "unknown DTE Trust query field 'modle'"),
        ("dtetrust://fairness?limit=ten", "field 'limit' takes a number, not 'ten'"),
        ("dtetrust://fairness?ratioMin=x", "field 'ratioMin' takes a number"),
        ("dtetrust://fairness?history=maybe", "field 'history' takes true or false"),
        ("dtetrust://fairness?format=wide", "unknown format 'wide'"),
        ("dtetrust://fairness?model=a&model=b", "field 'model' given twice"),
        ("dtetrust://fairness/x", "write dtetrust://fairness?"),
        ("https://example.com/", "not a DTE Trust table"),
    ],
)
def test_errors_name_the_problem(uri: str, message: str) -> None:
    with pytest.raises(ProgrammingError, match=message.replace("?", r"\?")):
        parse_uri(uri)


def test_build_uri_round_trip() -> None:
    uri = build_uri("fairness", model="a b", metrics=["m1", "m2"], history=True, limit=3)
    assert uri == "dtetrust://fairness?model=a%20b&metrics=m1,m2&history=true&limit=3"
    assert parse_uri(uri).fields == {"model": "a b", "metrics": ["m1", "m2"], "history": True, "limit": 3}


def test_field_table_matches_query_model() -> None:
    assert set(QUERY_TYPES) == {
        "accuracy", "drift", "quality", "fairness", "compliance", "trust_score", "freshness", "explainability",
        "runs", "models", "variable", "annotations",
    }  # fmt: skip
    assert FIELDS["limit"] == "int" and FIELDS["history"] == "bool" and FIELDS["orderBy"] == "list"


def test_times() -> None:
    assert parse_time("2026-12-04T08:48:44.328300104Z") == datetime.datetime(2026, 12, 4, 8, 48, 44, 328300)
    assert parse_time("2025-01-01T01:00:00+01:00") == datetime.datetime(2025, 1, 1)
    assert rfc3339(datetime.datetime(2025, 1, 1)) == "2025-01-01T00:00:00.000000Z"
