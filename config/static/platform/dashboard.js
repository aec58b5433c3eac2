/* The admin dashboard's figures, refreshed without a reload: polls the JSON endpoint named by
   #dashboard's data-url every data-refresh seconds and updates each panel in place. Text only
   (textContent), no HTML from the answer. */
(function () {
  "use strict";

  function setTone(element, tone) {
    element.classList.remove("tone-warn", "tone-alert");
    if (tone) element.classList.add("tone-" + tone);
  }

  function figureItem(figure) {
    var item = document.createElement("li");
    item.className = "dashboard-figure";
    item.dataset.figure = figure.key;
    setTone(item, figure.tone);
    var box = document.createElement(figure.url ? "a" : "span");
    if (figure.url) box.setAttribute("href", figure.url);
    var value = document.createElement("span");
    value.className = "figure-value";
    value.textContent = String(figure.value);
    var label = document.createElement("span");
    label.className = "figure-label";
    label.textContent = figure.label;
    box.appendChild(value);
    box.appendChild(label);
    item.appendChild(box);
    return item;
  }

  function updateFigures(panelElement, figures) {
    // Rebuilt from the answer, so a figure a panel adds or drops (an alert) shows at once.
    var list = panelElement.querySelector(".dashboard-figures");
    if (!list) return;
    var fresh = document.createElement("ul");
    fresh.className = list.className;
    figures.forEach(function (figure) {
      fresh.appendChild(figureItem(figure));
    });
    list.replaceWith(fresh);
  }

  function updateTable(panelElement, rows) {
    var table = panelElement.querySelector(".dashboard-table");
    if (!table) return;
    var body = document.createElement("tbody");
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      setTone(tr, row.tone);
      row.cells.forEach(function (cell, index) {
        var td = document.createElement("td");
        if (index === 0 && row.url) {
          var link = document.createElement("a");
          link.setAttribute("href", row.url);
          link.textContent = cell;
          td.appendChild(link);
        } else {
          td.textContent = cell;
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    table.hidden = rows.length === 0;
  }

  function apply(root, data) {
    data.panels.forEach(function (panel) {
      var panelElement = root.querySelector('[data-panel="' + CSS.escape(panel.key) + '"]');
      if (!panelElement) return;
      updateFigures(panelElement, panel.figures);
      updateTable(panelElement, panel.rows);
      var note = panelElement.querySelector(".dashboard-note");
      if (note) {
        note.textContent = panel.note;
        note.hidden = !panel.note;
      }
    });
    var stamp = root.querySelector("[data-dashboard-updated]");
    if (stamp) stamp.textContent = new Date().toLocaleTimeString();
  }

  function start() {
    var root = document.getElementById("dashboard");
    if (!root) return;
    var seconds = parseInt(root.dataset.refresh, 10);
    if (!seconds || seconds <= 0) return;
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden) return;
      busy = true;
      fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("dashboard: HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          apply(root, data);
          root.classList.remove("stale");
        })
        .catch(function () {
          root.classList.add("stale");
        })
        .finally(function () {
          busy = false;
        });
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
