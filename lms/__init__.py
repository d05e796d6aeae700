"""Học liệu: a learning management system for a district's lower-secondary schools."""

import os

from flask import Flask


def create_app(test_config=None):
    """Build the application: config, extensions, blueprints and CLI. Nothing else.

    The factory never creates tables, runs migrations or touches the network; `flask lms init`
    does that, so importing the app is always cheap and side-effect free.
    """
    instance_path = os.environ.get("LMS_INSTANCE_PATH")
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = test_config["INSTANCE_PATH"]
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
    )

    from . import config

    config.load(app, test_config)

    from .core.http import BoundedIntConverter, LmsRequest

    app.request_class = LmsRequest
    # Every <int:…> in every route: numbers no database id can be match nothing (404), not a 500.
    app.url_map.converters["int"] = BoundedIntConverter

    from . import extensions

    extensions.init_app(app)

    # Every feature's models, so the metadata (and Alembic) sees all tables; then the modules that
    # listen to other features' after-commit events (core/events.py).
    from . import models  # noqa: F401
    from .assignments import jobs as _assignments_jobs  # noqa: F401  (the deadline job)
    from .core import errors, security
    from .home import navigation
    from .materials import jobs as _materials_jobs  # noqa: F401
    from .materials import queries as _materials_queries  # noqa: F401  (empties the library cache)
    from .parents import jobs as _parents_jobs  # noqa: F401  (notices to parents)
    from .questions import jobs as _questions_jobs  # noqa: F401  (unconfirmed import previews swept)
    from .reports import jobs as _reports_jobs  # noqa: F401  (the statistics' summary rows)
    from .schools import jobs as _schools_jobs  # noqa: F401
    from .search import jobs as _search_jobs  # noqa: F401  (indexes what the events announce)

    errors.init_app(app)
    security.init_app(app)
    navigation.init_app(app)

    from .accounts.views import bp as accounts_bp
    from .api import bp as api_bp
    from .assignments.views import bp as assignments_bp
    from .home.views import bp as home_bp
    from .materials.views import bp as materials_bp
    from .parents.views import bp as parents_bp
    from .questions.views import bp as questions_bp
    from .reports.views import bp as reports_bp
    from .review.views import bp as review_bp
    from .schools.views import bp as schools_bp
    from .search.views import bp as search_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(schools_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(materials_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(parents_bp)
    app.register_blueprint(api_bp)

    if app.config["PROXY_COUNT"]:
        # Behind nginx the client address is in X-Forwarded-For; login throttling needs it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from .cli import lms_cli

    app.cli.add_command(lms_cli)
    return app
