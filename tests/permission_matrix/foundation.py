ALL = ("student", "teacher", "school_admin", "reviewer", "district_admin", "parent")


def everyone(status, anonymous):
    return {"anonymous": anonymous, **{role: status for role in ALL}}


def only(allowed, ok=200, anonymous=302, others=403):
    allowed = set(allowed)
    return {"anonymous": anonymous, **{role: (ok if role in allowed else others) for role in ALL}}


ROUTES = {
    "home.dashboard": {"url": "/", **everyone(200, 302), "parent": 302},  # a parent's home is /parents/
    "home.healthz": {"url": "/healthz", **everyone(200, 200)},
    "home.set_language": {"url": "/lang", "method": "POST", **everyone(302, 302)},
    "accounts.login": {"url": "/login", **everyone(302, 200)},
    "accounts.logout": {"url": "/logout", "method": "POST", **everyone(302, 302)},
    "accounts.change_password": {"url": "/account/password", **everyone(200, 302)},
    "api.issue_token": {"url": "/api/v1/auth/token", "method": "POST", **everyone(422, 422)},
    "api.revoke_token": {"url": "/api/v1/auth/token", "method": "DELETE", **everyone(204, 401)},
    "api.me": {"url": "/api/v1/me", **everyone(200, 401)},
    "api.subjects": {"url": "/api/v1/subjects", **everyone(200, 401)},
    "api.topics": {"url": "/api/v1/topics?subject=toan&grade=6", **everyone(200, 401)},
    "api.openapi_json": {"url": "/api/v1/openapi.json", **everyone(200, 200)},
}
