"""The file pipeline's table: one row per distinct content in the store."""

from ..core.timeutil import utcnow
from ..extensions import db

__all__ = ["StoredFile"]


class StoredFile(db.Model):
    """One distinct content on disk (under FILES_DIR by its SHA-256), whatever its names."""

    __tablename__ = "stored_file"

    id = db.Column(db.Integer, primary_key=True)
    sha256 = db.Column(db.String(64), nullable=False, unique=True)
    size = db.Column(db.BigInteger, nullable=False)
    mime = db.Column(db.String(120), nullable=False)
    kind_code = db.Column(db.String(20), nullable=False)  # filetypes kind: pdf, mp4, html5zip, ...
    original_name = db.Column(db.String(255), nullable=False)  # as first uploaded; never a path
    package_index = db.Column(db.String(500), nullable=True)  # HTML5 packages: the index.html member
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
