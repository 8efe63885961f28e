"""Import page: upload, preview, commit with progress, history with undo."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from crm.services import demo, import_jobs
from crm.services import imports as service
from crm.web import render, see_other
from importers.base import ImportRejected

bp = Blueprint("imports", __name__, url_prefix="/imports")
SKIPPED_SHOWN = 50
NAME_LIMIT = 200  # characters of an upload's file name kept (shown, and stored with the run)
FIELD_LABELS = {
    "ignore": "Ignore", "first_name": "First name", "last_name": "Last name",
    "full_name": "Full name", "email": "Email", "phone": "Phone", "company": "Company",
    "title": "Title", "linkedin_url": "LinkedIn URL", "tags": "Tags", "notes": "Notes",
    "birthday": "Birthday", "location": "Location", "website": "Website",
}  # fmt: skip


def _index(status: int = 200, error: str = "", message: str = ""):
    limit = current_app.config["CRM"]["MAX_UPLOAD_MB"]
    return render(
        "imports/index.html",
        status=status,
        error=error,
        message=message,
        limit_mb=limit,
        job=import_jobs.current(),
        runs=service.history(),
        demo_people=demo.demo_people(),
    )


@bp.get("")
def index():
    """Upload form, the import in progress (if any) and the history."""
    undone = request.args.get("undone", "")
    if not undone.isdigit():
        return _index()
    kept = service.kept_by_undo(int(undone))
    return _index(message=f"Import #{undone} was undone. {kept}".strip())


@bp.post("")
def upload():
    """Store the upload and start its preview in the background."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index(422, "Choose a file to import: your LinkedIn export ZIP, a contacts CSV or a vCard.")
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not name.lower().endswith(import_jobs.ACCEPTED):
        return _index(422, f"{_shorten(name)} is not a .zip, .csv or .vcf file.")
    name = _shorten(name)
    try:
        config = current_app.config["CRM"]
        job = import_jobs.start(upload.stream, name, config["DATA_DIR"], config["DATABASE"])
    except import_jobs.Busy as exc:
        return _index(409, str(exc))
    return see_other(url_for("imports.job", job_id=job.id))


def _shorten(name: str) -> str:
    """A file name of at most NAME_LIMIT characters, cut in the middle: it keeps its extension,
    which says what the file is, and its end, where an export's date is."""
    if len(name) <= NAME_LIMIT:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = name, ""
    room = NAME_LIMIT - len(dot + extension) - 1
    tail = min(40, room // 2)
    return f"{stem[: room - tail]}…{stem[-tail:]}{dot}{extension}"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """The upload limit, said in plain words (raised before the body is read)."""
    limit = current_app.config["CRM"]["MAX_UPLOAD_MB"]
    return _index(
        413,
        f"That file is larger than the upload limit of {limit} MB. Upload the LinkedIn ZIP as it "
        "came (not unpacked), or ask whoever runs Rapport to raise CRM_MAX_UPLOAD_MB.",
    )


def _job_or_404(job_id: str):
    job = import_jobs.get(job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    """The preview, or the progress of a running import."""
    return render("imports/job.html", job=_job_or_404(job_id), shown=SKIPPED_SHOWN, fields=FIELD_LABELS)


@bp.get("/jobs/<job_id>/status")
def status(job_id: str):
    """The job fragment, polled every second while it runs."""
    return render("imports/_job.html", job=_job_or_404(job_id), shown=SKIPPED_SHOWN, fields=FIELD_LABELS)


@bp.post("/jobs/<job_id>/mapping")
def mapping(job_id: str):
    """Use the chosen column mapping (remembered for this header) and preview the import."""
    job = _job_or_404(job_id)
    if job.state != "mapping" or job.needs is None:
        return see_other(url_for("imports.job", job_id=job_id))
    chosen = {column: request.form.get(f"col-{i}", "ignore") for i, column in enumerate(job.needs.header)}
    try:
        import_jobs.set_mapping(job_id, chosen)
    except ImportRejected as exc:
        return render(
            "imports/job.html",
            "imports/_job.html",
            status=422,
            job=job,
            shown=SKIPPED_SHOWN,
            fields=FIELD_LABELS,
            mapping_error=getattr(exc, "message", str(exc)),
        )
    return see_other(url_for("imports.job", job_id=job_id))


@bp.post("/jobs/<job_id>/date-order")
def date_order(job_id: str):
    """Preview the file again, reading birthdays like 3/4/1980 day first or month first."""
    order = request.form.get("order", "")
    if order not in ("day-first", "month-first"):
        abort(400)
    try:
        import_jobs.reread_dates(job_id, dayfirst=order == "day-first")
    except ImportRejected as exc:
        return _index(409, str(exc))
    return see_other(url_for("imports.job", job_id=job_id))


@bp.post("/jobs/<job_id>/commit")
def commit(job_id: str):
    """Write the previewed import."""
    try:
        import_jobs.commit(job_id)
    except ImportRejected as exc:
        return _index(409, str(exc))
    return see_other(url_for("imports.job", job_id=job_id))


@bp.post("/jobs/<job_id>/cancel")
def cancel(job_id: str):
    """Drop a previewed import without writing anything."""
    import_jobs.cancel(job_id)
    return see_other(url_for("imports.index"))


@bp.post("/runs/<int:run_id>/undo")
def undo(run_id: int):
    """Undo one import run."""
    try:
        service.undo(run_id)
    except ImportRejected as exc:
        return _index(409, str(exc))
    return see_other(url_for("imports.index", undone=run_id))
