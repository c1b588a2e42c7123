// A detail page's sections (related tables, timelines) load after the page, each placeholder
// fetching its own through htmx. A section that cannot be loaded says so in its place, never
// "Loading…" for ever: the back office's own error fragment when it sent one, else the status.
(function () {
  "use strict";

  function isSection(elt) {
    return !!(elt && elt.classList && elt.classList.contains("detail-section"));
  }

  function fail(elt, text) {
    var note = document.createElement("p");
    note.className = "errornote section-error";
    note.setAttribute("role", "alert");
    note.textContent = text + " Reload the page to try again.";
    elt.replaceWith(note);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!isSection(detail.elt) || detail.xhr.status < 400) return;
    if (detail.xhr.getResponseHeader("X-Backoffice-Fragment")) {
      detail.shouldSwap = true;  // the source error, said as a fragment (SourceErrorMiddleware)
      detail.isError = false;
    } else {
      detail.shouldSwap = false;
      fail(detail.elt, "This section could not be loaded (HTTP " + detail.xhr.status + ").");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (isSection(event.detail.elt)) fail(event.detail.elt, "This section could not be loaded: the back office did not answer.");
  });
})();
