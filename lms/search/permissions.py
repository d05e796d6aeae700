"""Who may search: every signed-in user; what each one finds is decided inside the query
(services.scope_for)."""

from ..accounts.permissions import is_signed_in


def can_search(user):
    return is_signed_in(user)


PREDICATES = {"can_search": can_search}
