/* A read-only, lazy JSON tree: children are built only when opened, long strings are folded,
   big arrays are grouped, and any key's path can be copied. No inline script, no eval. */
(function () {
  "use strict";
  var STRING_FOLD = 300, GROUP = 100;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function childPath(path, key, isIndex) {
    if (isIndex) return path + "[" + key + "]";
    return /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? path + "." + key : key) : path + "[" + JSON.stringify(key) + "]";
  }

  function copy(text, button) {
    var done = function () { button.classList.add("copied"); setTimeout(function () { button.classList.remove("copied"); }, 1200); };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, function () { window.prompt("Key path", text); }); }
    else { window.prompt("Key path", text); }
  }

  function scalar(value) {
    if (value === null) return el("span", "jv-null", "null");
    if (typeof value === "string") {
      var span = el("span", "jv-string");
      if (value.length <= STRING_FOLD) { span.textContent = JSON.stringify(value); return span; }
      span.textContent = JSON.stringify(value.slice(0, STRING_FOLD)) + " … ";
      var more = el("button", "jv-more", "show all " + value.length.toLocaleString() + " characters");
      more.type = "button";
      more.addEventListener("click", function () { span.textContent = JSON.stringify(value); });
      span.appendChild(more);
      return span;
    }
    return el("span", "jv-" + typeof value, String(value));
  }

  function summary(value) {
    if (Array.isArray(value)) return "[" + value.length + " items]";
    return "{" + Object.keys(value).length + " keys}";
  }

  function entry(label, value, path, depth, isIndex) {
    var row = el("div", "jv-entry");
    var key = el("span", "jv-key", label);
    var copyButton = el("button", "jv-copy", "");  // the icon is CSS (icons/copy.svg), not a font glyph
    copyButton.setAttribute("aria-label", "Copy key path");
    copyButton.type = "button";
    copyButton.title = "Copy key path " + path;
    copyButton.addEventListener("click", function (e) { e.stopPropagation(); copy(path, copyButton); });
    if (value !== null && typeof value === "object") {
      var details = el("details");
      var head = el("summary");
      head.appendChild(key);
      head.appendChild(el("span", "jv-summary", " " + summary(value)));
      head.appendChild(copyButton);
      details.appendChild(head);
      var built = false;
      details.addEventListener("toggle", function () {
        if (details.open && !built) { built = true; details.appendChild(children(value, path, depth + 1)); }
      });
      if (depth < expandDepth) { details.open = true; }
      row.appendChild(details);
    } else {
      row.appendChild(key);
      row.appendChild(document.createTextNode(": "));
      row.appendChild(scalar(value));
      row.appendChild(copyButton);
    }
    return row;
  }

  function children(value, path, depth) {
    var box = el("div", "jv-children");
    if (Array.isArray(value)) {
      if (value.length > GROUP) {
        for (var start = 0; start < value.length; start += GROUP) {
          box.appendChild(group(value, start, Math.min(start + GROUP, value.length), path, depth));
        }
      } else {
        value.forEach(function (item, i) { box.appendChild(entry(String(i), item, childPath(path, i, true), depth, true)); });
      }
    } else {
      Object.keys(value).forEach(function (k) { box.appendChild(entry(k, value[k], childPath(path, k, false), depth, false)); });
    }
    if (!box.childNodes.length) box.appendChild(el("span", "jv-null", Array.isArray(value) ? "(empty list)" : "(empty object)"));
    return box;
  }

  function group(array, start, end, path, depth) {
    var details = el("details");
    details.appendChild(el("summary", "jv-summary", "[" + start + " … " + (end - 1) + "]"));
    var built = false;
    details.addEventListener("toggle", function () {
      if (!details.open || built) return;
      built = true;
      var box = el("div", "jv-children");
      for (var i = start; i < end; i++) box.appendChild(entry(String(i), array[i], childPath(path, i, true), depth, true));
      details.appendChild(box);
    });
    return details;
  }

  var expandDepth = 1;
  function show(container, data) {
    expandDepth = parseInt(container.dataset.expandDepth || "1", 10);
    container.textContent = "";
    if (data === null || typeof data !== "object") { container.appendChild(scalar(data)); return; }
    container.appendChild(children(data, "", 0));
  }

  function render(container) {
    var source = document.getElementById(container.dataset.jsonSource);
    if (!source) return;
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { container.textContent = "This payload is not valid JSON."; return; }
    show(container, data);
  }

  // The document is fetched from its URL (a download the server streams) and parsed by the browser:
  // the page itself never carries it. A refusal (too large to mask, gone) is shown as its text.
  function load(container) {
    fetch(container.dataset.jsonUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) {
            throw new Error(text && text.length < 500 ? text : "The payload could not be loaded (HTTP " + response.status + ").");
          });
        }
        return response.text();
      })
      .then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (e) { container.textContent = "This payload is not valid JSON."; return; }
        show(container, data);
      })
      .catch(function (error) { container.textContent = error.message || "The payload could not be loaded."; });
  }

  function init() {
    document.querySelectorAll(".json-viewer[data-json-source]").forEach(render);
    document.querySelectorAll(".json-viewer[data-json-url]").forEach(load);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
