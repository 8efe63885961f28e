"""Companies and the people you know at each."""

from __future__ import annotations

from flask import Blueprint, abort, request

from crm.services import contacts as service
from crm.web import render

bp = Blueprint("companies", __name__, url_prefix="/companies")


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()[:200]
    page_arg = request.args.get("page", "1")
    items, total, page, pages = service.list_companies(q, int(page_arg) if page_arg.isdigit() else 1)
    return render(
        "companies/index.html",
        "companies/_results.html",
        q=q,
        companies=items,
        total=total,
        page=page,
        pages=pages,
    )


@bp.get("/<int:company_id>")
def show(company_id: int):
    company = service.get_company(company_id)
    if company is None:
        abort(404)
    people = service.people_at(company)
    return render(
        "companies/show.html",
        company=company,
        people=people,
        tags=service.tags_for([p.id for p in people]),
    )
