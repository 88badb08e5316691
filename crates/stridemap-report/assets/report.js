// stridemap HTML report: threat filters. The filter state lives in the URL fragment
// (#severity=high&rule=CTR-PRIVILEGED), so a filtered view can be bookmarked or shared, and is
// applied again when the page is opened with it.
(function () {
  "use strict";
  var names = ["severity", "category", "service", "rule", "text"];
  var controls = {};
  names.forEach(function (n) { controls[n] = document.getElementById("filter-" + n); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.threat"));
  var counter = document.getElementById("threat-count");

  function matches(row, f) {
    if (f.severity && row.dataset.severity !== f.severity) return false;
    if (f.category && row.dataset.category !== f.category) return false;
    if (f.rule && row.dataset.rule !== f.rule) return false;
    if (f.service && JSON.parse(row.dataset.services).indexOf(f.service) < 0) return false;
    if (f.text && row.textContent.toLowerCase().indexOf(f.text.toLowerCase()) < 0) return false;
    return true;
  }

  function current() {
    var f = {};
    names.forEach(function (n) { f[n] = controls[n] ? controls[n].value : ""; });
    return f;
  }

  function apply() {
    var f = current();
    var shown = 0;
    rows.forEach(function (row) {
      var show = matches(row, f);
      row.hidden = !show;
      if (show) shown++;
    });
    counter.textContent = "Showing " + shown + " of " + rows.length + " threats";
    document.body.dataset.shownThreats = String(shown);
    var parts = [];
    names.forEach(function (n) { if (f[n]) parts.push(n + "=" + encodeURIComponent(f[n])); });
    var hash = parts.length ? "#" + parts.join("&") : "";
    // Only a fragment that holds filters is rewritten: anchors (#THREAT-001) are left alone.
    if (hash !== location.hash && (parts.length || location.hash.indexOf("=") >= 0)) {
      try { history.replaceState(null, "", hash || location.pathname + location.search); } catch (e) { /* file:// in some browsers */ }
    }
  }

  function fromHash() {
    var wanted = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) wanted[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
    });
    var any = false;
    names.forEach(function (n) {
      if (!controls[n]) return;
      if (n in wanted) { controls[n].value = wanted[n]; any = true; }
    });
    return any;
  }

  names.forEach(function (n) {
    if (!controls[n]) return;
    controls[n].addEventListener(n === "text" ? "input" : "change", apply);
  });
  var reset = document.getElementById("filter-reset");
  if (reset) reset.addEventListener("click", function () {
    names.forEach(function (n) { if (controls[n]) controls[n].value = ""; });
    apply();
  });
  window.addEventListener("hashchange", function () { if (fromHash()) apply(); });
  fromHash();
  apply();

  var zoom = document.getElementById("diagram-zoom");
  if (zoom) zoom.addEventListener("click", function () {
    document.getElementById("diagram").classList.toggle("fits");
  });

  // "Show on the diagram": the nodes an attack path passes through, and the flows between them,
  // stand out; everything else fades.
  var shown = null;
  Array.prototype.forEach.call(document.querySelectorAll("button.show-path"), function (button) {
    button.addEventListener("click", function () {
      var svg = document.querySelector("#diagram svg");
      if (!svg) return;
      Array.prototype.forEach.call(svg.querySelectorAll(".on-path"), function (el) { el.classList.remove("on-path"); });
      Array.prototype.forEach.call(document.querySelectorAll("button.show-path"), function (b) { b.textContent = "Show on the diagram"; });
      if (shown === button) { svg.classList.remove("highlighting"); shown = null; return; }
      var ids = JSON.parse(button.dataset.nodes);
      Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (n) {
        if (ids.indexOf(n.dataset.id) >= 0) n.classList.add("on-path");
      });
      Array.prototype.forEach.call(svg.querySelectorAll("path.flow[data-from]"), function (f) {
        if (ids.indexOf(f.dataset.from) >= 0 && ids.indexOf(f.dataset.to) >= 0) f.classList.add("on-path");
      });
      svg.classList.add("highlighting");
      button.textContent = "Clear the diagram";
      shown = button;
      document.getElementById("architecture").scrollIntoView();
    });
  });

  // Closed <details> do not print: open them for printing, then restore.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true; return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
