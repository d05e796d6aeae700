"""The review engine's pages and API. Item routes are walked with an item that does not exist (the
matrix world has no reviewable items; materials and questions test their own): every signed-in
role gets 404, which is also what an item the role may not see answers."""

from .foundation import everyone, only

MISSING = "/reviews/items/material/999999"
QUEUE = {"reviewer", "district_admin"}

ROUTES = {
    "review.queue": {"url": "/reviews/queue", **only(QUEUE)},
    "review.overview": {"url": "/reviews/overview", **only({"district_admin"})},
    "review.criteria": {"url": "/reviews/criteria", **only({"district_admin"})},
    "review.criterion_new": {"url": "/reviews/criteria/new", **only({"district_admin"})},
    "review.criterion_edit": {"url": lambda ids: f"/reviews/criteria/{ids['criterion_edit']}/edit",
                              **only({"district_admin"})},
    "review.criterion_deactivate": {"url": lambda ids: f"/reviews/criteria/{ids['criterion_deactivate']}/deactivate",
                                    "method": "POST", **only({"district_admin"}, ok=302)},
    "review.criterion_activate": {"url": lambda ids: f"/reviews/criteria/{ids['criterion_activate']}/activate",
                                  "method": "POST", **only({"district_admin"}, ok=302)},
    # An empty form names no direction: 422 for the admin.
    "review.criterion_move": {"url": lambda ids: f"/reviews/criteria/{ids['criterion_edit']}/move",
                              "method": "POST", **only({"district_admin"}, ok=422)},
    "review.notifications": {"url": "/reviews/notifications", **everyone(200, 302)},
    "review.notification_read": {"url": "/reviews/notifications/999999/read", "method": "POST",
                                 **everyone(404, 302)},
    "review.notifications_read_all": {"url": "/reviews/notifications/read-all", "method": "POST",
                                      **everyone(302, 302)},
    "review.item": {"url": MISSING, **everyone(404, 302)},
    "review.item_submit": {"url": f"{MISSING}/submit", "method": "POST", **everyone(404, 302)},
    "review.item_withdraw": {"url": f"{MISSING}/withdraw", "method": "POST", **everyone(404, 302)},
    "review.item_claim": {"url": f"{MISSING}/claim", "method": "POST", **everyone(404, 302)},
    "review.item_release": {"url": f"{MISSING}/release", "method": "POST", **everyone(404, 302)},
    "review.item_decide": {"url": f"{MISSING}/review", "method": "POST", **everyone(404, 302)},
    "review.item_reassign": {"url": f"{MISSING}/reassign", "method": "POST", **everyone(404, 302)},
    "api.review_queue": {"url": "/api/v1/reviews/queue", **only(QUEUE, anonymous=401)},
    "api.review_criteria": {"url": "/api/v1/review-criteria", **everyone(200, 401)},
}
