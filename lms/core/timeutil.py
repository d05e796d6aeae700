from datetime import UTC, datetime


def utcnow():
    """Aware UTC now; columns store UTC and pages show Asia/Ho_Chi_Minh via Flask-Babel."""
    return datetime.now(UTC)


def as_utc(value):
    """SQLite hands back naive datetimes; they were written as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def iso(value):
    value = as_utc(value)
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).isoformat()
