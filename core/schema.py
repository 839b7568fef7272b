"""The OpenAPI schema documents every answer an operation can give, refusals included (drf-spectacular hook).

Every operation can be refused the same few ways, whatever it does: a 400 in the house's error shape (a field
named with what to do), 401/403 (not signed in, or not allowed — the reason in ``detail``), 404, 429 (throttled;
``Retry-After`` says when to come back). Writing those on each view would repeat them everywhere, so this
post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds the ones a view did not document itself.
docs/api.md says how a new endpoint stays true to its schema (tests/integration/test_schemathesis.py checks it).
"""

ERRORS = {
    "type": "object",
    "description": "What was wrong, per field (``detail`` when no single field is to blame).",
    "properties": {"errors": {"type": "object", "additionalProperties": {
        "type": "array", "items": {"type": "string"}}}},
    "required": ["errors"],
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Why, and what to do."}},
    "required": ["detail"],
}
REFUSALS = {
    "400": ("The request is not valid: each message names its field and says what to give.", "ValidationErrors"),
    "401": ("Not signed in: send ``Authorization: Token <token>`` (POST /api/trading/token/).", "Detail"),
    "403": ("Not allowed: ``detail`` says why and who may.", "Detail"),
    "404": ("No such object, or not one this caller may see.", "Detail"),
    "405": ("This method is not offered at this address.", "Detail"),
    "429": ("Too many requests: wait the seconds in ``Retry-After``.", "Detail"),
}


def document_refusals(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add the common refusals to every operation that lacks them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ValidationErrors", ERRORS)
    schemas.setdefault("Detail", DETAIL)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in REFUSALS.items():
                if code not in responses:
                    responses[code] = {"description": description, "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    return result
