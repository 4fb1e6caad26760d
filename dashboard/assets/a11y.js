// Accessibility of what Dash and Plotly draw (issue #26, RGAA 4.1.2 / WCAG 2.1 AA), in one place, for every
// page (a new page inherits it):
// - the skip link moves the focus to the content without touching the link's fragment (it holds the filters,
//   and a change of fragment redraws the page: links.js);
// - each chart (components.graph) gets its accessible name, its one-sentence summary and its data table from
//   the figure's layout.meta.a11y (figures.alternative), and its Plotly toolbar leaves the tab order;
// - Dash's own markup is mended where axe-core finds it wrong: radio buttons and checkboxes drawn as a
//   listbox of options holding inputs (nested-interactive, aria-input-field-name), the dropdown's hidden
//   focus relay (aria-hidden-focus), the tables' pagination buttons without a name (button-name), the
//   tables' sort arrows that only a mouse could use.
// Every change is idempotent: a MutationObserver calls mend() again whenever React or Plotly redraw.
(function () {
  "use strict";

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function dropAttr(el, name) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  }

  var counter = 0;
  function idOf(el) {
    if (!el.id) el.id = "a11y-" + ++counter;
    return el.id;
  }

  // --- charts ----------------------------------------------------------------------------------------
  function text(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  function alternativeOf(plot) {
    var meta = plot.layout && plot.layout.meta;
    if (meta && meta.a11y) return meta.a11y;
    // a figure drawn without figures.alternative: a table from its traces, so nothing is lost
    var traces = (plot.data || []).filter(function (t) { return t.x || t.y; });
    var title = plot.layout && plot.layout.title;
    var name = text(title && (title.text || title)).replace(/<[^>]*>/g, " ").trim() || "Graphique";
    var rows = [];
    traces.forEach(function (t) {
      var xs = t.x || [], ys = t.y || [];
      for (var i = 0; i < Math.max(xs.length, ys.length); i++) {
        rows.push([text(t.name), text(xs[i]), text(ys[i])]);
      }
    });
    return { name: name, summary: name + ".", columns: ["Série", "x", "y"], rows: rows, note: "" };
  }

  function table(alt) {
    var t = document.createElement("table");
    var caption = document.createElement("caption");
    caption.textContent = "Données du graphique : " + alt.name;
    t.appendChild(caption);
    var head = document.createElement("thead");
    var tr = document.createElement("tr");
    alt.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      tr.appendChild(th);
    });
    head.appendChild(tr);
    t.appendChild(head);
    var body = document.createElement("tbody");
    alt.rows.forEach(function (row) {
      var line = document.createElement("tr");
      row.forEach(function (cell, i) {
        var c = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) c.scope = "row";
        c.textContent = cell;
        line.appendChild(c);
      });
      body.appendChild(line);
    });
    t.appendChild(body);
    return t;
  }

  function mendChart(plot) {
    var block = plot.closest("figure.chart");
    var alt = alternativeOf(plot);
    var signature = JSON.stringify(alt);
    // the plot: an image named by its title and summary (its inner SVG, legend and toolbar are decoration
    // for assistive technologies: the summary and the table say it all)
    // (a role "img" would forbid the toolbar's buttons inside it: a named figure whose drawing is hidden)
    setAttr(plot, "role", "figure");
    setAttr(plot, "aria-label", "Graphique : " + alt.name.replace(/\.$/, "") + ". " + alt.summary.replace(/\.$/, "") + ".");
    Array.prototype.forEach.call(plot.children, function (child) {
      setAttr(child, "aria-hidden", "true");
    });
    plot.querySelectorAll(".modebar-btn, .modebar a, .modebar button").forEach(function (b) {
      setAttr(b, "tabindex", "-1");
    });
    if (!block || block.dataset.a11y === signature) return;
    var summary = block.querySelector(".chart-summary");
    var data = block.querySelector(".chart-table");
    if (summary) summary.textContent = alt.summary;
    if (data) {
      data.textContent = "";
      var scroll = document.createElement("div");
      scroll.className = "table-scroll";
      scroll.appendChild(table(alt));
      data.appendChild(scroll);
      if (alt.note) {
        var note = document.createElement("p");
        note.className = "hint";
        note.textContent = alt.note;
        data.appendChild(note);
      }
    }
    block.dataset.a11y = signature;
  }

  // --- Dash's components -----------------------------------------------------------------------------
  function labelOf(control) {
    if (!control.id) return null;
    var label = document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
    return label ? idOf(label) : null;
  }

  function mendChoices(list) {
    // radio buttons: a radiogroup of native inputs, each named by its own label; checkboxes: a group
    setAttr(list, "role", list.classList.contains("dash-radioitems") ? "radiogroup" : "group");
    var label = labelOf(list);
    if (label) setAttr(list, "aria-labelledby", label);
    list.querySelectorAll("label.dash-options-list-option").forEach(function (option) {
      dropAttr(option, "role");
      dropAttr(option, "aria-selected");
    });
  }

  function mendDropdown(relay) {
    // Dash keeps the dropdown's button out of the tab order and relays the focus to it from a hidden
    // input: the button itself takes the tab stop (it is named by the filter's label).
    setAttr(relay, "tabindex", "-1");
    var button = relay.nextElementSibling;
    if (button && button.tagName === "BUTTON") setAttr(button, "tabindex", "0");
  }

  var PAGINATION = {
    "first-page": "Première page",
    "previous-page": "Page précédente",
    "next-page": "Page suivante",
    "last-page": "Dernière page",
  };

  function mendPagination(root) {
    Object.keys(PAGINATION).forEach(function (name) {
      root.querySelectorAll("button." + name).forEach(function (b) {
        setAttr(b, "aria-label", PAGINATION[name]);
        setAttr(b, "title", PAGINATION[name]);
      });
    });
    root.querySelectorAll(".previous-next-container input.current-page").forEach(function (i) {
      setAttr(i, "aria-label", "Numéro de la page");
    });
  }

  function mendSorting(root) {
    // a table's sort arrows: buttons named after their column, reachable and pressed with the keyboard
    root.querySelectorAll(".dash-spreadsheet .column-header--sort").forEach(function (arrow) {
      var th = arrow.closest("th");
      var name = th ? th.textContent.trim() : "";
      setAttr(arrow, "role", "button");
      setAttr(arrow, "tabindex", "0");
      setAttr(arrow, "aria-label", "Trier par « " + name + " »");
    });
  }

  document.addEventListener(
    "keydown",
    function (event) {
      var arrow = event.target instanceof Element && event.target.closest(".column-header--sort");
      if (!arrow || (event.key !== "Enter" && event.key !== " ")) return;
      event.preventDefault();
      arrow.click();
    },
    true
  );

  function mend() {
    document.querySelectorAll(".js-plotly-plot").forEach(mendChart);
    mendSorting(document);
    document
      .querySelectorAll(".dash-radioitems[role=listbox], .dash-checklist[role=listbox], .dash-radioitems, .dash-checklist")
      .forEach(mendChoices);
    document.querySelectorAll("input.dash-dropdown-focus-target").forEach(mendDropdown);
    mendPagination(document);
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      mend();
    });
  }

  // --- the skip link -----------------------------------------------------------------------------------
  document.addEventListener(
    "click",
    function (event) {
      var link = event.target instanceof Element && event.target.closest("a.skip-link");
      if (!link) return;
      event.preventDefault();
      event.stopPropagation();
      var target = document.getElementById("contenu");
      if (target) {
        target.focus();
        target.scrollIntoView();
      }
    },
    true
  );

  function start() {
    mend();
    new MutationObserver(function (records) {
      // a relay given back its tab stop by Dash (on blur) is mended at once, before the next key
      records.forEach(function (r) {
        if (r.type === "attributes" && r.target.matches && r.target.matches("input.dash-dropdown-focus-target")) {
          mendDropdown(r.target);
        }
      });
      schedule();
    }).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["tabindex", "aria-selected", "role", "class"],
    });
    document.addEventListener("plotly_afterplot", schedule, true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
