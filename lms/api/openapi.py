"""The OpenAPI 3 document, generated from the registered /api/v1 routes (never written by hand),
so an endpoint cannot exist without being listed."""

import re

from flask import current_app

from .auth import api_route

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}


def _path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)


def build_document(app):
    paths = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", {"summary": rule.endpoint, "public": False, "responses": {}})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {
                "operationId": f"{rule.endpoint.split('.', 1)[1]}_{method.lower()}",
                "summary": meta.get("summary") or rule.endpoint,
                "description": meta.get("description", ""),
                "tags": [meta["tag"]] if meta.get("tag") else [],
                "parameters": [
                    {"name": arg, "in": "path", "required": True,
                     "schema": {"type": "integer" if rule._converters.get(arg).__class__.__name__ == "IntegerConverter" else "string"}}
                    for arg in sorted(rule.arguments)
                ],
                "responses": {str(code): {"description": str(text)}
                              for code, text in (meta.get("responses") or {200: "OK"}).items()},
            }
            op["responses"].setdefault("4XX", {"description": "Error",
                                               "content": {"application/json": {"schema": ERROR_SCHEMA}}})
            if meta.get("body"):
                op["requestBody"] = {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {k: {"type": v if v in ("string", "integer", "boolean", "object", "array", "number") else "string"}
                                                     for k, v in meta["body"].items()}}}}}
            if meta.get("public"):
                op["security"] = []
            paths.setdefault(_path(rule), {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Học liệu API", "version": "1"},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }


@api_route("/openapi.json", public=True, tag="meta", responses={200: "OpenAPI 3 document"})
def openapi_json():
    """This document."""
    return build_document(current_app)
