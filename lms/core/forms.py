"""A refused service call shown on its form: the error's message above the form (a flash), each
of its details at the field it names, and what was typed left in place (the view renders the
same form object again rather than redirecting)."""

from flask import flash


def put_errors(form, details, aliases=None):
    """Add each `{field: message}` detail of a ValidationError to the matching field of `form`.

    A detail names a field by its name, by its name without "_id" ("school" for `school_id`), or
    through `aliases` ({"password": "new_password"}). Details that name no field, or carry data
    rather than a message, are left out; the error's message still says what went wrong.
    """
    for key, message in (details or {}).items():
        name = (aliases or {}).get(key, key)
        field = form._fields.get(name) or form._fields.get(f"{name}_id")
        if field is not None and isinstance(message, str):
            field.errors = [*field.errors, message]  # a tuple until the form is validated


def refuse(form, error, aliases=None):
    """Flash a DomainError's message and put its details on `form`'s fields."""
    flash(error.message, "danger")
    put_errors(form, error.details, aliases)
