"""After-commit events (core/events.py): sent only once the transaction has committed, dropped on
rollback, in order, and a failing receiver stops neither the others nor the request."""

import io

import pytest

from lms.core import events
from lms.extensions import db
from lms.files.models import StoredFile
from lms.materials import signals
from lms.materials.models import MaterialVersion
from lms.review.signals import item_transitioned
from tests.conftest import bearer


@pytest.fixture
def heard():
    """Record what a test signal's receiver hears."""
    sig = events.signal("test.heard")
    received = []

    def receiver(_sender, **payload):
        received.append(payload)

    sig.connect(receiver)
    yield sig, received
    sig.disconnect(receiver)


def test_sent_after_commit_only(app, heard):
    sig, received = heard
    events.announce(sig, n=1)
    events.announce(sig, n=2)
    assert received == []  # nothing while the transaction runs
    db.session.commit()
    assert received == [{"n": 1}, {"n": 2}]
    db.session.commit()
    assert received == [{"n": 1}, {"n": 2}]  # sent once


def test_dropped_on_rollback(app, heard):
    sig, received = heard
    db.session.execute(db.text("SELECT 1"))  # a real transaction to roll back
    events.announce(sig, n=1)
    db.session.rollback()
    db.session.commit()
    assert received == []
    assert events.pending() == []


def test_a_failing_receiver_does_not_stop_the_others(app, heard):
    sig, received = heard

    def broken(_sender, **_payload):
        raise RuntimeError("listener bug")

    sig.connect(broken)
    try:
        events.announce(sig, n=1)
        db.session.commit()
    finally:
        sig.disconnect(broken)
    assert received == [{"n": 1}]


def test_receivers_may_use_the_session_and_announce_again(app, heard):
    """A receiver that queries and commits (an immediate-mode job does) sends its own events."""
    sig, received = heard
    first = events.signal("test.first")

    def chained(_sender, **payload):
        assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0
        events.announce(sig, n=payload["n"] + 1)
        db.session.commit()

    first.connect(chained)
    try:
        events.announce(first, n=1)
        db.session.commit()
    finally:
        first.disconnect(chained)
    assert received == [{"n": 2}]


def test_a_refused_upload_processes_nothing(app, demo, client, make):
    """A rolled-back upload announces nothing: no processing job runs, no row, no blob."""
    created = []

    def spy(_sender, **payload):
        created.append(payload)

    signals.version_created.connect(spy)
    try:
        from tests.conftest import api_token

        token = api_token(client, "gv.toan")
        pdf = make.pdf("a.pdf").read_bytes()
        bad = client.post("/api/v1/materials", headers=bearer(token), content_type="multipart/form-data",
                          data={"file": (io.BytesIO(pdf), "a.pdf"), "title": "Phân số", "subject": "toan",
                                "grade": "9", "kind": "worksheet", "license": "cc_by", "rights_confirmed": "true"})
        assert bad.status_code == 422
        assert created == []
        good = client.post("/api/v1/materials", headers=bearer(token), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(pdf), "a.pdf"), "title": "Phân số", "subject": "toan",
                                 "grade": "6", "kind": "worksheet", "license": "cc_by",
                                 "rights_confirmed": "true"})
        assert good.status_code == 201, good.get_json()
    finally:
        signals.version_created.disconnect(spy)
    assert len(created) == 1
    version = db.session.get(MaterialVersion, created[0]["version_id"])
    # The processing job, started by the event (immediate mode in tests), has run.
    assert version.processing_state == "ok"


def test_transitions_are_announced(app, demo, client, make):
    from tests.materials_support import make_material

    heard = []

    def spy(_sender, **payload):
        heard.append(payload)

    item_transitioned.connect(spy)
    try:
        material = make_material()
        db.session.commit()
        from lms.review import services as review_services

        review_services.submit(material, demo["gv.toan"])
        assert heard == []
        db.session.commit()
    finally:
        item_transitioned.disconnect(spy)
    assert heard == [{"item_type": "material", "item_id": material.id, "action": "submit",
                      "from_state": "draft", "to_state": "submitted"}]
