// Rapport's small script: keyboard shortcuts and visible feedback when a save fails.
// No inline scripts anywhere: the CSP allows only files from this origin.
(function () {
  "use strict";

  function toast(message, isError) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.classList.toggle("error", !!isError);
    el.hidden = false;
    clearTimeout(el._timer);
    el._timer = setTimeout(function () { el.hidden = true; }, isError ? 8000 : 3000);
  }
  window.rapportToast = toast;

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  // While any dialog is open (quick entry, help) one-key shortcuts stay quiet: a stray letter
  // on a focused button must not navigate away from what was typed. Escape still closes it.
  function dialogOpen() { return !!document.querySelector("dialog[open]"); }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || dialogOpen()) return;
    var key = event.key;
    if (key === "Escape") return;
    var el = document.querySelector('[data-key="' + (key === "/" ? "/" : key) + '"]');
    if (!el) return;
    event.preventDefault();
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") { el.focus(); el.select && el.select(); }
    else el.click();
  });

  // A stale page (its CSRF token replaced by a later login) gets the current token from the
  // server's 400 answer; nothing was saved, so the same request is sent again, once.
  function useToken(token) {
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": token }));
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = token; });
  }

  // htmx does not swap error responses: the user's text stays in the form; say why.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    var fresh = xhr && xhr.status === 400 && xhr.getResponseHeader("X-CSRF-Token");
    if (fresh && elt && !elt.rapportRetried && window.htmx) {
      useToken(fresh);
      elt.rapportRetried = true;
      var config = event.detail.requestConfig || {};
      window.htmx.ajax((config.verb || "post").toUpperCase(), config.path, { source: elt });
      return;
    }
    var text = (xhr && xhr.responseText) || "";
    if (!text || text.length > 300 || text.indexOf("<") !== -1) {
      text = "Not saved (error " + (xhr ? xhr.status : "?") + "). Your text is still in the form; try again.";
    }
    toast(text, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && event.detail.elt) event.detail.elt.rapportRetried = false;
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Not saved: the server could not be reached. Your text is still in the form.", true);
  });
  document.addEventListener("touch-logged", function () { toast("Saved."); });

  // A swap never throws away text typed in a form it did not send: a card reloading after a
  // change made elsewhere (a touch logged, a follow-up done), the Today board after a row action.
  // What was typed in a field is put back into the new copy's field of the same id; a reload with
  // no such field (an entry open for editing) waits until that form is saved or closed.
  function unsaved(field) {
    if (!field.id || !/^(text|search|email|url|tel|number|textarea)$/.test(field.type)) return false;
    if (field.value !== field.defaultValue) return true;
    // a form sent back with an error holds text that was never saved
    return field.value !== "" && !!field.form && !!field.form.querySelector("[aria-invalid=true]");
  }
  function typedIn(region, sending) {
    return Array.prototype.filter.call(region.querySelectorAll("input, textarea"), function (field) {
      return !(sending && sending.contains(field)) && unsaved(field);
    });
  }
  var carried = null;
  var waiting = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    var elt = detail.requestConfig && detail.requestConfig.elt;
    if (!detail.shouldSwap || !target || !elt) return;
    var typed = typedIn(target, elt.closest && elt.closest("form"));
    if (!typed.length) return;
    var response = detail.serverResponse || "";
    var homeless = typed.some(function (field) { return response.indexOf('id="' + field.id + '"') < 0; });
    if (elt === target && homeless) {
      detail.shouldSwap = false;
      if (waiting.indexOf(target) < 0) waiting.push(target);
      return;
    }
    carried = typed.map(function (field) {
      var pop = field.closest("details");
      var focused = field === document.activeElement;
      return { id: field.id, value: field.value, open: !!(pop && pop.open),
               start: focused ? field.selectionStart : null, end: focused ? field.selectionEnd : null };
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!carried) return;
    carried.forEach(function (item) {
      var field = document.getElementById(item.id);
      if (!field) return;
      field.value = item.value;
      var pop = field.closest("details");
      if (pop && item.open && !pop.open) {
        pop.rapportCarried = true;  // reopened as it was: no focus taken from where it is
        pop.open = true;
      }
      if (item.start !== null && field === document.activeElement) field.setSelectionRange(item.start, item.end);
    });
    carried = null;
  });
  // An edit that moved an entry in time reloads the list it is on (timeline-changed): the entry
  // is shown in its new place, or the toast says where it went when that is not loaded yet.
  var movedEntry = null;
  document.addEventListener("timeline-changed", function (event) {
    movedEntry = event.detail && event.detail.moved ? event.detail : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var list = event.target;
    if (!movedEntry || !list.matches || !list.matches("[hx-trigger*=timeline-changed]")) return;
    var entry = document.getElementById("activity-" + movedEntry.moved);
    if (entry) {
      entry.scrollIntoView({ block: "nearest" });
      entry.classList.add("moved-here");
    } else toast("Saved. It moved down the list, to " + movedEntry.when + ".");
    movedEntry = null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    waiting = waiting.filter(function (region) {
      if (!region.isConnected) return false;
      if (typedIn(region).length) return true;
      window.htmx.ajax("GET", region.getAttribute("hx-get"), { source: region, target: region, swap: "outerHTML" });
      return false;
    });
  });

  // The quick entry (`n` anywhere): a modal dialog; Esc closes it and focus goes back.
  var opener = null;
  function quickEntry() { return document.getElementById("quick-entry"); }
  function openQuickEntry() {
    var dialog = quickEntry();
    if (!dialog || dialog.open) return false;
    opener = document.activeElement;
    dialog.showModal();
    var first = dialog.querySelector("#qe-contact");
    if (first) { first.focus(); first.select(); }
    return true;
  }
  function closeQuickEntry() {
    var dialog = quickEntry();
    if (dialog && dialog.open) dialog.close();
    leave(dialog);
  }
  // Focus must not linger in a closed dialog: the next one-key shortcut would count as typing.
  function leave(dialog) {
    if (dialog && !dialog.open && dialog.contains(document.activeElement)) document.activeElement.blur();
  }
  document.addEventListener("click", function (event) {
    var open = event.target.closest && event.target.closest("[data-open-quick-entry]");
    if (open && openQuickEntry()) { event.preventDefault(); return; }
    if (event.target.closest && event.target.closest("[data-close-quick-entry]")) closeQuickEntry();
  });
  document.addEventListener("close", function (event) {
    if (event.target !== quickEntry()) return;
    if (opener && opener.focus) opener.focus();
    opener = null;
    leave(event.target);
  }, true);
  document.addEventListener("quick-entry-done", function () {
    closeQuickEntry();
  });
  // Ctrl/Cmd+Enter saves the form you are typing in.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form");
    if (form) { event.preventDefault(); form.requestSubmit(); }
  });
  // The contact type-ahead (a name box and its matches, wherever a form picks a contact): Up/Down
  // move through the matches while the caret stays in the box, Enter (in the box or on a match)
  // picks the checked one and moves on to the form's next field instead of submitting, and Esc
  // in the quick entry closes the dialog (in a search box it would only clear it).
  function nextField(picker) {
    var fields = Array.prototype.slice.call(picker.closest("form").elements);
    return fields.filter(function (el) {
      return !picker.contains(el) && el.type !== "hidden" && !el.disabled &&
        !!(picker.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    })[0];
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var picker = target.closest && target.closest("[data-contact-picker]");
    if (event.ctrlKey || event.metaKey || event.altKey || !picker) return;
    var input = picker.querySelector("input[name=contact_q]");
    var radios = Array.prototype.slice.call(picker.querySelectorAll(".matches input[name=contact_id]"));
    var checked = radios.filter(function (radio) { return radio.checked; })[0];
    if (target === input && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      if (!radios.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = radios[Math.max(0, Math.min(radios.indexOf(checked) + step, radios.length - 1))];
      next.checked = true;
      next.closest(".match").scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      var name = checked && checked.parentElement.querySelector(".name");
      if (name) input.value = name.textContent;
      var field = nextField(picker);
      if (field) field.focus();
    } else if (event.key === "Escape" && target === input && input.closest("dialog[open]")) {
      event.preventDefault();
      closeQuickEntry();
    }
  });
  // A new set of matches: show the chosen name in the search box when one is picked.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (radio.name !== "contact_id" || !radio.checked) return;
    var name = radio.parentElement.querySelector(".name");
    var input = radio.closest("form").querySelector("input[name=contact_q]");
    if (name && input) input.value = name.textContent;
  });

  // Today: j/k move between people, l logs a touch, s snoozes for a day, Enter opens, ? helps.
  // Capture phase, so these win over the global one-key navigation (s is Stream elsewhere).
  function todayRows() { return Array.prototype.slice.call(document.querySelectorAll("[data-today-row]")); }
  function focusedRow() {
    return document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-today-row]");
  }
  function focusRow(index) {
    var rows = todayRows();
    if (!rows.length) return;
    var row = rows[Math.max(0, Math.min(index, rows.length - 1))];
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }
  function openHelp() {
    var help = document.getElementById("today-help");
    if (help && !help.open) help.showModal();
  }
  window.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || dialogOpen()) return;
    if (!document.getElementById("today-board")) return;
    var key = event.key;
    var rows = todayRows();
    var row = focusedRow();
    var index = row ? rows.indexOf(row) : -1;
    var handled = true;
    if (key === "?") openHelp();
    else if (key === "j") focusRow(index + 1);
    else if (key === "k") focusRow(index <= 0 ? 0 : index - 1);
    // With nobody focused, a row key acts on nobody (s must not fall through to the Stream):
    // like j, it focuses the first person, and the next press acts on them.
    else if ((key === "l" || key === "s") && !row) focusRow(0);
    else if (key === "l") {
      var log = row.querySelector("[data-row-log]");
      if (log) { log.open = true; var text = log.querySelector("textarea"); if (text) text.focus(); }
    } else if (key === "s") {
      var snooze = row.querySelector("[data-snooze-day]");
      if (snooze) snooze.click();
    } else if (key === "Enter" && row && event.target === row) {
      var open = row.querySelector("[data-row-open]");
      if (open) open.click();
    } else handled = false;
    if (handled) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-open-help]")) openHelp();
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  // One open pop-up form at a time; Esc closes it and focus returns to its row.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.classList || !details.classList.contains("row-pop") || !details.open) return;
    document.querySelectorAll(".row-pop[open]").forEach(function (other) { if (other !== details) other.open = false; });
    var first = details.querySelector("textarea, input[type=text]");
    if (first && details.classList.contains("today-log") && !details.rapportCarried) first.focus();
    details.rapportCarried = false;
  }, true);
  document.addEventListener("keydown", function (event) {
    // an Escape inside a dialog (the quick entry, the help) is the dialog's
    if (event.key !== "Escape" || (event.target.closest && event.target.closest("dialog"))) return;
    var open = document.querySelector(".row-pop[open]");
    if (!open) return;
    open.open = false;
    var row = open.closest("[data-today-row]");
    if (row) row.focus();
  });
  // After a row action the row is re-rendered or moved to "Done today", and after a quick entry
  // the board is fetched again: keep the keyboard place. Other requests (the progress line,
  // fetched while the row's own request is still to be swapped) leave it alone.
  var acted = -1;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.target.closest && event.target.closest("[data-today-row]");
    if (row) acted = todayRows().indexOf(row);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful && event.target.closest && event.target.closest("[data-today-row]")) acted = -1;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = focusedRow();
    if (event.detail.target.id === "today-board" && acted < 0 && row) acted = todayRows().indexOf(row);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (acted < 0 || focusedRow() || typing(document.activeElement)) return;
    var keep = acted;
    acted = -1;
    focusRow(keep);
  });
  document.addEventListener("today-changed", function (event) {
    var detail = event.detail || {};
    if (detail.message) toast(detail.message);
  });
  // Forms that undo or remove a lot ask first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // Contacts' bulk tagging: "select all on this page", the count, and only the tags the ticked
  // rows have under "Remove a tag". A new list (search, filter, sort, page) starts unticked.
  function bulkBoxes(form) { return Array.prototype.slice.call(form.querySelectorAll("input[name=ids]")); }
  function bulkSync(form) {
    var boxes = bulkBoxes(form);
    var ticked = boxes.filter(function (box) { return box.checked; });
    var page = form.querySelector("[data-bulk-page]");
    var everyone = form.querySelector("[data-bulk-everyone]");
    var all = !!(everyone && everyone.checked);
    page.hidden = false;
    page.checked = ticked.length > 0 && ticked.length === boxes.length;
    page.indeterminate = ticked.length > 0 && !page.checked;
    var count = form.querySelector("[data-bulk-count]");
    count.textContent = ticked.length + " selected";
    count.hidden = all;
    var held = {};
    ticked.forEach(function (box) { JSON.parse(box.getAttribute("data-tags")).forEach(function (t) { held[t] = true; }); });
    form.querySelectorAll("[data-bulk-remove] option").forEach(function (option) {
      if (option.value) option.hidden = option.disabled = !all && !held[option.value];
      if (option.disabled && option.selected) option.parentElement.value = "";
    });
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    var form = box.closest && box.closest("[data-bulk-form]");
    if (!form || !box.matches("[data-bulk-page], [data-bulk-everyone], input[name=ids]")) return;
    var everyone = form.querySelector("[data-bulk-everyone]");
    if (box.matches("[data-bulk-page]") || (box === everyone && box.checked)) {
      bulkBoxes(form).forEach(function (row) { row.checked = box.checked; });
    }
    if (everyone && !box.checked) everyone.checked = false;
    bulkSync(form);
  });
  document.addEventListener("reset", function (event) {
    var form = event.target;
    if (!form.matches("[data-bulk-form]")) return;
    event.preventDefault();  // clear the selection only, keeping a typed tag
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
    bulkSync(form);
    form.querySelector("[data-bulk-page]").focus();
  });
  // "All N matching" is asked first (#bulk-confirm, from the server): Cancel or Esc closes the
  // question, the choice behind it as it was, and the keyboard goes back to the button that asked.
  function bulkCancel(link) {
    var back = document.getElementById(link.getAttribute("data-bulk-cancel"));
    link.closest("#bulk-confirm").remove();
    if (back) back.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-bulk-cancel]");
    if (!link) return;
    event.preventDefault();
    bulkCancel(link);
  });
  document.addEventListener("keydown", function (event) {
    var question = event.key === "Escape" && event.target.closest && event.target.closest("#bulk-confirm");
    if (!question) return;
    event.preventDefault();
    bulkCancel(question.querySelector("[data-bulk-cancel]"));
  });
  // htmx puts the keyboard back on the element of the same id after a swap; in new results a
  // bulk question (or, once answered, the button that asked it) takes it instead.
  document.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector("#contact-results [autofocus]");
    if (!first || first.rapportFocused) return;
    first.rapportFocused = true;  // once: a later swap elsewhere (the tags to remove) leaves it
    first.focus();
  });
  function bulkInit() { document.querySelectorAll("[data-bulk-form]").forEach(bulkSync); }
  document.addEventListener("DOMContentLoaded", bulkInit);
  document.addEventListener("htmx:afterSettle", bulkInit);
  window.addEventListener("pageshow", bulkInit);
})();
