// Dashboard behaviour, as a static file so the Content-Security-Policy needs no inline script:
// - polling panels skip their request while the tab is hidden, and refresh once it is shown again;
// - every <canvas data-chart="ID"> draws the JSON text of the element with id ID (a json_script block,
//   or a hidden element in a polled panel: htmx drops the <script> tags of what it swaps in).
(function () {
  "use strict";

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt.dataset && event.detail.elt.dataset.poll) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && window.htmx) {
      document.querySelectorAll("[data-poll]").forEach(function (el) { window.htmx.trigger(el, "refresh"); });
    }
  });

  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#f59e0b", "#7c3aed", "#0891b2", "#6b7280"];

  function drawCharts(root) {
    if (!window.Chart) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var existing = window.Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
      new window.Chart(canvas, {
        type: spec.type || "line",
        data: {
          labels: spec.labels,
          datasets: spec.series.map(function (series, i) {
            var colour = series.colour || PALETTE[i % PALETTE.length];
            return { label: series.label, data: series.values, borderColor: colour, backgroundColor: colour,
                     tension: 0.2, pointRadius: 0, stack: spec.stacked ? "s" : undefined };
          })
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: { x: { stacked: !!spec.stacked, ticks: { maxTicksLimit: 8 } },
                    y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.detail.target.parentNode || document); });
})();
