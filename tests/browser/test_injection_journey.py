"""Promise 4 in the real browser: hostile text saved through forms, services and imports never runs.

Every payload of tests/security_payloads.py goes into names, titles, companies, tags, notes,
touches, follow-ups, signal notes and the relationship ledger, and through the LinkedIn, Google
CSV and vCard imports; then every page that shows them is opened in Chromium. No script may
run, no dialog may open, no request may leave the site, no payload may become an attribute or
a live URL, and the text must read as text.
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.models import Contact
from crm.services import (
    activities,
    addressbook_import,
    followups,
    imports,
    linkedin_import,
    relationships,
    signals,
)
from crm.services import contacts as contact_service
from tests.browser.conftest import log_in
from tests.security_payloads import XSS_PAYLOADS
from tests.test_import_injection import hostile_export

pytestmark = pytest.mark.browser

DOM_CHECK = """
() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
      const hx = name.startsWith('hx-') || name.startsWith('data-hx-');
      if (hx && value.includes('__xss')) found.push(name);
      const live = value.startsWith('javascript:') || value.startsWith('data:text');
      if (['href', 'src', 'action', 'formaction'].includes(name) && live) found.push(`${name}=${value}`);
      const profile = value.startsWith('https://www.linkedin.com/in/');
      if (name === 'href' && el.textContent.includes('LinkedIn') && !profile) found.push(`linkedin ${value}`);
    }
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName) && !el.src?.includes('/static/'))
      found.push(`element ${el.tagName}`);
  }
  return found;
}
"""


def seed_hostile_data(app) -> dict:
    """One hostile contact per payload, with every kind of record carrying the payload."""
    tz = ZoneInfo("UTC")
    ids = []
    with app.app_context():
        db.connect(reuse_if_open=True)
        for i, payload in enumerate(XSS_PAYLOADS):
            contact = contact_service.create_contact(
                ContactInput(
                    first_name=f"P{i} {payload}"[:200],
                    last_name="Hostile",
                    company=f"Co {payload}"[:200],
                    title=payload[:200],
                    tags=[f"t{i}{payload}"[:60]],
                    notes=payload,
                    stage="opportunity",
                )
            )
            activities.log_touch([contact.id], "note", f"note {payload}")
            followups.create_followup(contact.id, f"fu {payload}", "yesterday", tz)
            signals.record_signal(contact.id, "pricing_request", f"sig {payload}")
            relationships.add_ledger_entry(contact.id, "asked", "favour", f"ledger {payload}")
            relationships.save_brief_goal(contact, f"goal {payload}")
            ids.append(contact.id)
        imported_before = {c.id for c in Contact.select(Contact.id)}
        imports.commit(linkedin_import.planner(hostile_export(), "Connections.zip", "li"))
        imports.commit(addressbook_import.planner(hostile_google_csv(), "google.csv", "g"))
        imports.commit(addressbook_import.planner(hostile_vcard(), "cards.vcf", "v", kind="vcard"))
        imported = sorted({c.id for c in Contact.select(Contact.id)} - imported_before)
        db.close()
    return {"ids": ids, "imported": imported}


def hostile_google_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["First Name", "Last Name", "Organization Name", "Organization Title", "Notes",
                     "Labels", "E-mail 1 - Value", "Website 1 - Label", "Website 1 - Value"])  # fmt: skip
    for i, payload in enumerate(XSS_PAYLOADS):
        writer.writerow([f"G{i} {payload}", "Csv", payload, payload, payload, f"L{i}{payload}",
                         f"g{i}@csv.example", "LinkedIn", payload])  # fmt: skip
    return out.getvalue().encode()


def hostile_vcard() -> bytes:
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")

    cards = []
    for i, payload in enumerate(XSS_PAYLOADS):
        cards.append(
            "\r\n".join(
                [
                    "BEGIN:VCARD",
                    "VERSION:3.0",
                    f"N:Card;V{i} {esc(payload)};;;",
                    f"FN:V{i} {esc(payload)} Card",
                    f"ORG:{esc(payload)};",
                    f"TITLE:{esc(payload)}",
                    f"NOTE:{esc(payload)}",
                    f"EMAIL;type=INTERNET:v{i}@vcf.example",
                    f"X-SOCIALPROFILE;type=linkedin:{payload}",
                    "END:VCARD",
                ]
            )
        )
    return ("\r\n".join(cards) + "\r\n").encode()


def test_hostile_text_is_shown_as_text_on_every_page(page, server, live_app):
    seeded = seed_hostile_data(live_app)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, server)
    first = seeded["ids"][0]
    urls = [
        "/",
        "/contacts/",
        "/contacts/?q=Hostile",
        "/companies/",
        "/stream",
        "/stream?q=note",
        "/followups",
        "/duplicates/",
        "/imports",
        "/settings",
    ]
    for contact_id in seeded["ids"]:
        urls += [f"/contacts/{contact_id}", f"/contacts/{contact_id}/brief", f"/contacts/{contact_id}/edit"]
    assert len(seeded["imported"]) >= 3 * len(XSS_PAYLOADS) // 2
    urls += ["/contacts/?q=Csv", "/contacts/?q=Card", "/contacts/?q=X1"]
    urls += [f"/contacts/{contact_id}" for contact_id in seeded["imported"]]
    for url in urls:
        page.goto(server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => window.__xss") is None, url
        assert page.evaluate(DOM_CHECK) == [], url
    assert dialogs == []

    page.goto(f"{server.url}/contacts/{first}")
    text = page.inner_text("main")
    assert "<script>window.__xss=1</script>" in text
    assert "note <script>window.__xss=1</script>" in text
    page.goto(server.url + "/contacts/?q=Hostile")
    listed = page.inner_text("#contact-results")
    for payload in ("<img src=x onerror=window.__xss=1>", "{{7*7}}", "<svg onload=window.__xss=1>"):
        assert payload in listed
    assert "49" not in listed
