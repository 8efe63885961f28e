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
})();
