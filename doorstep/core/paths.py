"""Org-tree paths. An org node's code is its materialized path: district (6 digits) + street (3) + community (3)
+ grid (3). Everything under a node is the range [code, code + '~'), which a plain B-tree index answers on both
SQLite and PostgreSQL ('~' sorts after every digit)."""

from django.db.models import Q

PATH_END = "~"


def subtree_q(field: str, code: str) -> Q:
    return Q(**{f"{field}__gte": code, f"{field}__lt": code + PATH_END})


def in_subtree(path: str, code: str) -> bool:
    return path.startswith(code)
