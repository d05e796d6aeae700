"""The oversight reports: the office (district_admin) and school admins (their own school); every
other role 403. A DX entry is the school admin's to make (the empty form is refused with 422); the
evidence of THCS01's entry is seen by its admin and the office."""

from .foundation import only

REPORTERS = {"district_admin", "school_admin"}
OFFICE = {"district_admin"}


def evidence_url(ids):
    """An entry of THCS01 with an evidence file, made once for the whole matrix run."""
    if "dx_evidence" not in ids:
        import tempfile
        from pathlib import Path

        from lms.extensions import db
        from lms.files import services as files
        from lms.reports.models import DxEntry
        from lms.schools.services import current_school_year
        from tests.files import pdf_with_text

        with tempfile.TemporaryDirectory() as folder:
            data = pdf_with_text(Path(folder) / "minh-chung.pdf", "Kế hoạch dạy học trực tuyến").read_bytes()
        stored = files.accept_file(files.upload_from_bytes(data, "minh-chung.pdf"))
        entry = DxEntry(school_id=ids["thcs01"], school_year_id=current_school_year().id, criterion_code="1.1",
                        met=True, evidence_file_id=stored.id, evidence_name="minh-chung.pdf",
                        entered_by_id=ids["users"]["bgh.thcs01"])
        db.session.add(entry)
        db.session.commit()
        ids["dx_evidence"] = entry.id
    return f"/reports/dx/evidence/{ids['dx_evidence']}"


ROUTES = {
    "reports.dashboard": {"url": "/reports/", **only(REPORTERS)},
    "reports.export": {"url": "/reports/export.xlsx", **only(REPORTERS)},
    "reports.year_end": {"url": "/reports/year-end.xlsx", **only(REPORTERS)},
    "reports.dx": {"url": "/reports/dx", **only(REPORTERS)},
    "reports.dx_entry": {"url": "/reports/dx/1.3.1", "method": "POST",
                         "anonymous": 302, "student": 403, "teacher": 403, "school_admin": 422, "reviewer": 403,
                         "district_admin": 403, "parent": 403},
    "reports.evidence": {"url": evidence_url, **only(REPORTERS)},
    "reports.indicator_file": {"url": "/reports/dx/indicators", **only(OFFICE)},
    "reports.indicator_file_download": {"url": "/reports/dx/indicators.json", **only(OFFICE)},
    "api.report_schools": {"url": "/api/v1/reports/schools", **only(REPORTERS, anonymous=401)},
    "api.report_dx_indicators": {"url": "/api/v1/reports/dx-indicators", **only(REPORTERS, anonymous=401)},
}
