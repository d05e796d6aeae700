"""The OpenAPI 3 document, generated from the registered /api/v1 routes (never written by hand),
so an endpoint cannot exist without being listed: path parameters come from the URL rule, query
parameters, JSON bodies and multipart uploads from what each route declares with `api_route`."""

import re

from flask import current_app
from werkzeug.routing import IntegerConverter

from ..core.http import MAX_ID  # noqa: F401  (ids are 32-bit columns; also used by the API modules)
from .auth import api_route

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}
TYPES = ("string", "integer", "boolean", "object", "array", "number")


def enum(values, kind="string"):
    """A schema for one of `values` (enum classes give their values)."""
    return {"type": kind, "enum": [getattr(v, "value", v) for v in values]}


def integer(minimum=None, maximum=None):
    schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


PAGING = {"page": integer(1, 100_000), "per_page": integer(1, 100)}


def schema_of(spec):
    """A type name or a schema, as a JSON schema."""
    if isinstance(spec, dict):
        return spec
    if spec == "binary":
        return {"type": "string", "format": "binary"}
    return {"type": spec if spec in TYPES else "string"}


def _fields(fields):
    """(properties, required) of {name: spec}; a name ending in "!" is required."""
    properties, required = {}, []
    for name, spec in (fields or {}).items():
        if name.endswith("!"):
            name = name[:-1]
            required.append(name)
        properties[name] = schema_of(spec)
    return properties, required


def _object(fields):
    properties, required = _fields(fields)
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)


def _path_parameter(rule, name):
    if isinstance(rule._converters.get(name), IntegerConverter):
        schema = integer(0, MAX_ID)
    else:
        schema = {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _operation(rule, method, meta):
    op = {
        "operationId": f"{rule.endpoint.split('.', 1)[1]}_{method.lower()}",
        "summary": meta.get("summary") or rule.endpoint,
        "description": meta.get("description", ""),
        "tags": [meta["tag"]] if meta.get("tag") else [],
        "parameters": [_path_parameter(rule, arg) for arg in sorted(rule.arguments)],
        "responses": {str(code): {"description": str(text)}
                      for code, text in (meta.get("responses") or {200: "OK"}).items()},
    }
    properties, required = _fields(meta.get("query"))
    op["parameters"] += [{"name": name, "in": "query", "required": name in required, "schema": schema}
                         for name, schema in properties.items()]
    op["responses"].setdefault("4XX", {"description": "Error",
                                       "content": {"application/json": {"schema": ERROR_SCHEMA}}})
    if meta.get("multipart"):
        op["requestBody"] = {"required": True, "content": {
            "multipart/form-data": {"schema": _object(meta["multipart"])}}}
    elif meta.get("body"):
        op["requestBody"] = {"content": {"application/json": {"schema": _object(meta["body"])}}}
    if meta.get("public"):
        op["security"] = []
    return op


def build_document(app):
    paths = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", {"summary": rule.endpoint, "public": False, "responses": {}})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule), {})[method.lower()] = _operation(rule, method, meta)
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
