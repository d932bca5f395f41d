"""Schemathesis hooks of tests/e2e/oracles.rs (loaded with SCHEMATHESIS_HOOKS).

Form bodies (application/x-www-form-urlencoded) as the OpenAPI document declares them: an
object member is written `deepObject` style, `data[plan]=gold`. Schemathesis 4.32 applies the
declared `encoding` only to the data it generates in its fuzzing phase; its examples and
coverage phases hand the body to `requests`, which writes a nested object as its keys
(`data=plan`), a body the document does not describe. This serializer writes every form body
the same way, as the document says (and as qs, the Cognigy HTTP Request node's encoder, does).
"""

from collections.abc import Mapping
from urllib.parse import urlencode

import schemathesis


def _pairs(key, value, out):
    if isinstance(value, Mapping):
        for member, inner in value.items():
            _pairs(f"{key}[{member}]", inner, out)
    elif isinstance(value, (list, tuple)):
        # `form` style, exploded: the key once per element.
        for inner in value:
            _pairs(key, inner, out)
    elif value is None:
        # A form cannot say null; the document never asks for one in a form.
        out.append((key, ""))
    elif isinstance(value, bool):
        out.append((key, "true" if value else "false"))
    else:
        out.append((key, str(value)))


@schemathesis.serializer("application/x-www-form-urlencoded")
def deep_object_form(ctx, value):
    """The body's bytes; schemathesis sends them with the case's content type."""
    pairs = []
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _pairs(str(key), inner, pairs)
    elif isinstance(value, list):
        # Already pairs: schemathesis's own form of repeated keys.
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                _pairs(str(item[0]), item[1], pairs)
            elif isinstance(item, Mapping):
                for key, inner in item.items():
                    _pairs(str(key), inner, pairs)
    elif isinstance(value, bytes):
        return value
    elif value is not None:
        return str(value).encode("utf-8")
    return urlencode(pairs).encode("utf-8")
