/* mppwatch pages: tabs, Plotly charts and image downloads on top of pages that work without JavaScript. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var drawn = {};

  function draw(panel) {
    var el = panel.querySelector(".chart");
    if (!el || drawn[el.id] || typeof Plotly === "undefined") return;
    var data = document.getElementById(el.getAttribute("data-figure"));
    if (!data) return;
    var fig = JSON.parse(data.textContent);
    drawn[el.id] = true;
    var config = {displaylogo: false, displayModeBar: false, responsive: true};
    if (document.documentElement.lang === "es") {
      registerSpanish();
      config.locale = "es";
      fig.layout.separators = ",\u00a0";  // decimal comma, no-break space between thousands
    }
    Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      var svg = el.querySelectorAll("svg");
      for (var i = 0; i < svg.length; i++) {
        svg[i].setAttribute("aria-hidden", "true");
        svg[i].setAttribute("focusable", "false");
      }
      var tester = document.getElementById("js-plotly-tester");  // plotly's off-screen text-measuring svg
      if (tester) tester.setAttribute("aria-hidden", "true");
    });
  }

  var spanish = false;
  function registerSpanish() {
    // plotly.js's own labels (months on date axes) in Spanish, defined here: nothing is fetched
    if (spanish) return;
    spanish = true;
    Plotly.register({
      moduleType: "locale",
      name: "es",
      dictionary: {},
      format: {
        days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
        shortDays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
        months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
        shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
        date: "%d/%m/%Y",
        decimal: ",",
        thousands: "\u00a0"
      }
    });
  }

  function show(panel, view, push) {
    var tabs = panel.querySelectorAll("[role=tab]");
    var has = false;
    for (var i = 0; i < tabs.length; i++) if (tabs[i].getAttribute("data-tab") === view) has = true;
    if (!has) view = tabs.length ? tabs[0].getAttribute("data-tab") : "table";
    for (var j = 0; j < tabs.length; j++) {
      var on = tabs[j].getAttribute("data-tab") === view;
      tabs[j].setAttribute("aria-selected", on ? "true" : "false");
      tabs[j].setAttribute("tabindex", on ? "0" : "-1");
    }
    var views = panel.querySelectorAll(".tabpanel");
    for (var k = 0; k < views.length; k++) views[k].hidden = views[k].getAttribute("data-view") !== view;
    if (view === "chart") draw(panel);
    if (push) {
      var url = new URL(window.location.href);
      url.searchParams.set("view", view);
      window.history.replaceState(null, "", url.toString());
      var links = document.querySelectorAll("a.permalink");  // permalinks keep the view just chosen
      for (var p = 0; p < links.length; p++) {
        var link = new URL(links[p].href);
        link.searchParams.set("view", view);
        links[p].href = link.toString();
      }
    }
  }

  function init() {
    var view = new URL(window.location.href).searchParams.get("view") || "chart";
    var panels = document.querySelectorAll(".panel");
    for (var i = 0; i < panels.length; i++) {
      (function (panel) {
        show(panel, view, false);
        var tabs = panel.querySelectorAll("[role=tab]");
        for (var j = 0; j < tabs.length; j++) {
          tabs[j].addEventListener("click", function (ev) {
            ev.preventDefault();
            show(panel, this.getAttribute("data-tab"), true);
          });
        }
      })(panels[i]);
    }
    var buttons = document.querySelectorAll("button[data-image]");
    for (var b = 0; b < buttons.length; b++) {
      buttons[b].hidden = false;
      buttons[b].addEventListener("click", function () {
        var el = document.getElementById(this.getAttribute("data-target"));
        var panel = el.closest(".panel");
        show(panel, "chart", false);
        Plotly.downloadImage(el, {format: this.getAttribute("data-image"), filename: "mppwatch-" + panel.getAttribute("data-panel"), width: 1000, height: 560});
      });
    }
    var auto = document.querySelectorAll("select[data-autosubmit]");
    for (var a = 0; a < auto.length; a++) {
      auto[a].addEventListener("change", function () {
        var form = this.form;
        var others = form.querySelectorAll("select[name=where], select[name=by], select[name=row_type], select[name=period_kind]");
        for (var o = 0; o < others.length; o++) others[o].selectedIndex = -1;  // a new dataset starts unfiltered
        form.submit();
      });
    }
  }

  function poll() {
    var status = document.getElementById("sim-progress");
    if (!status) return;
    var bar = status.querySelector("progress");
    var text = status.querySelector(".pct");
    fetch("/simulation/jobs/" + status.getAttribute("data-job")).then(function (r) { return r.json(); }).then(function (job) {
      var pct = Math.round(job.progress * 100);
      if (bar) bar.value = pct;
      if (text) text.textContent = pct + "%";
      if (job.state === "done" || job.state === "error") window.location.reload();
      else window.setTimeout(poll, 400);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", poll);
  else poll();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
