"""DTE Trust for Apache Superset and any SQLAlchemy client, through ``trustq serve``.

- ``dte_trust_superset.adapter.DTETrustAPI``: the safe shillelagh adapter ``dtetrustapi``.
- ``dte_trust_superset.dialect.DTETrustDialect``: the SQLAlchemy dialect ``dtetrust://``.
- ``dte_trust_superset.engine_spec.DTETrustEngineSpec``: the Superset engine spec (imports Superset).
"""

from ._query import DEFAULT_FROM, DEFAULT_TO, EVIDENCE_TYPES, FIELDS, QUERY_TYPES, build_uri, parse_uri

__all__ = ["DEFAULT_FROM", "DEFAULT_TO", "EVIDENCE_TYPES", "FIELDS", "QUERY_TYPES", "build_uri", "parse_uri"]
__version__ = "0.1.0"
