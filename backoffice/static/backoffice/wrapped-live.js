// The runs list's live panel: each poll (an htmx partial) prepends the runs that changed to
// #live-changes; this keeps the last few there and marks those runs' rows in the table itself.
(function () {
  "use strict";

  function keep(list) {
    var max = parseInt(list.dataset.keep || "10", 10);
    var rows = list.querySelectorAll(".live-row");
    for (var i = max; i < rows.length; i++) rows[i].remove();
  }

  function markRow(change) {
    // The run id column's copy button holds the whole id.
    var button = document.querySelector('#result_list td.field-run_id button[data-copy="' + CSS.escape(change.dataset.runId) + '"]');
    var row = button && button.closest("tr");
    if (!row) return;
    row.classList.remove("live-changed");
    void row.offsetWidth;  // restart the highlight for a run that changes again
    row.classList.add("live-changed");
    var status = row.querySelector("td.field-status_badge");
    var stage = row.querySelector("td.field-stage_badge");
    if (status) status.replaceChildren(badge(change.dataset.status, change.dataset.statusTone));
    if (stage) stage.replaceChildren(badge(change.dataset.stage, change.dataset.stageTone));
  }

  function badge(text, tone) {
    var span = document.createElement("span");
    span.className = "badge badge-" + (tone || "neutral");
    span.textContent = text;
    return span;
  }

  function apply() {
    var list = document.getElementById("live-changes");
    if (!list) return;
    var fresh = list.querySelectorAll(".live-row:not([data-applied])");
    for (var i = fresh.length - 1; i >= 0; i--) {
      fresh[i].setAttribute("data-applied", "1");
      markRow(fresh[i]);
    }
    keep(list);
    list.hidden = !list.querySelector(".live-row");
  }

  document.addEventListener("htmx:afterSettle", apply);
  document.addEventListener("htmx:oobAfterSwap", apply);
})();
