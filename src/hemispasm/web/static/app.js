// hemispasm web: the only script (CSP script-src 'self'; no inline script anywhere).
"use strict";
(function () {
  // htmx: send the CSRF token already carried by <body hx-headers>; nothing else to do here.

  // ---- toxin session face map -------------------------------------------------------------
  function initToxinForm(form) {
    const step = document.getElementById("unit-step");
    const product = document.getElementById("product");
    function row(key) { return form.querySelector('tr[data-row="' + key + '"]'); }
    function input(kind, key) { return form.querySelector('input[name="' + kind + "__" + key + '"]'); }
    function num(el) { const v = parseFloat(el && el.value); return isFinite(v) ? v : 0; }
    function refresh() {
      let total = 0, left = 0, right = 0;
      form.querySelectorAll("tr[data-row]").forEach(function (tr) {
        const key = tr.getAttribute("data-row");
        const u = num(input("units", key));
        const side = key.split("__")[1];
        total += u; if (side === "left") left += u; else right += u;
        tr.classList.toggle("dosed", u > 0);
        const label = document.getElementById("dose__" + key);
        if (label) label.textContent = u > 0 ? String(Math.round(u * 100) / 100) : "";
        const shape = form.querySelector('.muscle[data-muscle="' + key.split("__")[0] + '"][data-side="' + side + '"]');
        if (shape) shape.classList.toggle("dosed", u > 0);
      });
      const r = function (x) { return String(Math.round(x * 100) / 100); };
      document.getElementById("total-units").textContent = r(total);
      document.getElementById("total-left").textContent = r(left);
      document.getElementById("total-right").textContent = r(right);
      document.getElementById("total-product").textContent = product ? product.value : "";
    }
    function add(muscle, side) {
      const key = muscle + "__" + side;
      const u = num(step);
      if (!(u > 0)) { step.focus(); step.setCustomValidity("Set the units per point first"); step.reportValidity(); return; }
      step.setCustomValidity("");
      const ui = input("units", key), pi = input("points", key);
      ui.value = String(Math.round((num(ui) + u) * 100) / 100);
      pi.value = String(num(pi) + 1);
      refresh();
    }
    form.querySelectorAll(".muscle").forEach(function (el) {
      el.addEventListener("click", function () { add(el.dataset.muscle, el.dataset.side); });
      el.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); add(el.dataset.muscle, el.dataset.side); }
      });
    });
    form.addEventListener("input", refresh);
    form.addEventListener("reset", function () { setTimeout(refresh, 0); });
    if (product) product.addEventListener("change", refresh);
    const same = document.getElementById("same-as-last");
    const lastEl = document.getElementById("last-session");
    if (same && lastEl) {
      same.addEventListener("click", function () {
        const last = JSON.parse(lastEl.textContent);
        form.querySelectorAll("input.units, input.points").forEach(function (i) { i.value = ""; });
        (last.injections || []).forEach(function (inj) {
          const key = inj.muscle + "__" + inj.side;
          const ui = input("units", key), pi = input("points", key);
          if (ui) ui.value = String(inj.units);
          if (pi && inj.points) pi.value = String(inj.points);
        });
        if (product && last.product_inn) product.value = last.product_inn;
        refresh();
      });
    }
    refresh();
  }
  document.addEventListener("DOMContentLoaded", function () {
    const f = document.getElementById("toxin-form");
    if (f) initToxinForm(f);
  });
})();
