// Copy buttons next to shortened ids (`data-copy` holds the whole id). One delegated listener:
// no inline handlers under the page's Content-Security-Policy.
(function () {
  "use strict";

  function flash(button) {
    button.classList.add("copied");
    button.title = "Copied";
    setTimeout(function () { button.classList.remove("copied"); button.title = "Copy " + button.dataset.copy; }, 1200);
  }

  function fallback(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) flash(button); } catch (e) { window.prompt("Copy", text); }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy-button[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.dataset.copy;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flash(button); }, function () { fallback(text, button); });
    } else {
      fallback(text, button);
    }
  });
})();
