"""Background jobs on Huey: SQLite storage in the instance folder, immediate mode in tests.

Tasks are declared with `@job()` at import time; the storage is bound when the app is built, and
each task runs inside an app context of the app that bound it (the worker's, or the request's in
immediate mode). Enqueue jobs only after the transaction that created their rows has committed.
"""

import functools

from flask import has_app_context
from huey import SqliteHuey

huey = SqliteHuey("hoclieu", filename=":memory:", results=False, utc=True)
_state = {"app": None}


def init_app(app):
    _state["app"] = app
    huey.storage_kwargs["filename"] = app.config["HUEY_DB"]
    immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if immediate:
        huey.immediate = True
    else:
        huey.immediate = False
        huey.storage = huey.create_storage()


def job(retries=2, retry_delay=10):
    """Declare a background task: retried, and run inside an app context."""

    def decorator(func):
        @functools.wraps(func)
        def in_app(*args, **kwargs):
            if has_app_context():
                return func(*args, **kwargs)
            with _state["app"].app_context():
                return func(*args, **kwargs)

        return huey.task(retries=retries, retry_delay=retry_delay, name=func.__name__)(in_app)

    return decorator


def periodic_job(**schedule):
    """Declare a task the worker runs on a schedule (huey.crontab's fields: minute="*" is every
    minute), inside an app context. Calling it runs it now (enqueued, or at once in immediate mode)."""
    from huey import crontab

    def decorator(func):
        @functools.wraps(func)
        def in_app():
            if has_app_context():
                return func()
            with _state["app"].app_context():
                return func()

        return huey.periodic_task(crontab(**schedule), name=func.__name__)(in_app)

    return decorator


def run_worker(workers=2):
    """Run the consumer in this process (the `flask lms worker` command)."""
    import logging

    from huey.consumer import Consumer

    # Huey reports each job it runs, retries and fails on its own logger: show them to the operator.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("huey").addHandler(handler)
    logging.getLogger("huey").setLevel(logging.INFO)
    logging.getLogger("huey").info("Huey worker on %s", huey.storage_kwargs.get("filename"))
    consumer = Consumer(huey, workers=workers, worker_type="thread", check_worker_health=True)
    consumer.run()
