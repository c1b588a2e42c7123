// Copy to the clipboard for every element with data-copy="text" (a short id's icon, a shared link's
// button): one delegated listener, no inline handlers under the strict Content-Security-Policy.
(function () {
  "use strict";

  function copied(button) {
    var label = button.textContent;
    button.classList.add("copied");
    if (label.trim()) button.textContent = "Copied";
    setTimeout(function () {
      button.classList.remove("copied");
      if (label.trim()) button.textContent = label;
    }, 1200);
  }

  function fallback(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) copied(button); } catch (e) { window.prompt("Copy", text); }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.dataset.copy;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { fallback(text, button); });
    } else {
      fallback(text, button);
    }
  });
})();
