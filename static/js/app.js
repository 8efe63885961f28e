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

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "Escape") return;
    var el = document.querySelector('[data-key="' + (key === "/" ? "/" : key) + '"]');
    if (!el) return;
    event.preventDefault();
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") { el.focus(); el.select && el.select(); }
    else el.click();
  });

  // htmx does not swap error responses: the user's text stays in the form; say why.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = (xhr && xhr.responseText) || "";
    if (!text || text.length > 300 || text.indexOf("<") !== -1) {
      text = "Not saved (error " + (xhr ? xhr.status : "?") + "). Your text is still in the form; try again.";
    }
    toast(text, true);
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Not saved: the server could not be reached. Your text is still in the form.", true);
  });
  document.addEventListener("touch-logged", function () { toast("Saved."); });
  // Forms that undo or remove a lot ask first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
})();
