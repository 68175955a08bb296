// hemispasm web: the live LSR page (CSP script-src 'self'; no inline script). It follows the
// server's Server-Sent Events (/surgeries/{id}/live/events) with EventSource and draws the
// readings into the page's SVG; all numbers come from hemispasm.emg.live.monitor on the server.
"use strict";
(function () {
  const L = 78, R = 936, TOP = 34, BOTTOM = 260;
  function initLive(box) {
    const $ = function (id) { return document.getElementById(id); };
    const NS = "http://www.w3.org/2000/svg";
    const sweeps = [];
    let baseline = null, gone = null, closed = false;
    function fmt(v, d) { return v === null || v === undefined ? "—" : Number(v).toFixed(d); }
    function redraw() {
      const n = Math.max(sweeps.length, 20);
      const top = Math.max(1, baseline ? baseline * 1.2 : 0, ...sweeps.map(function (s) { return s.amplitude_uv; }));
      const x = function (k) { return (L + (R - L) * k / Math.max(n - 1, 1)).toFixed(1); };
      const y = function (v) { return (BOTTOM - (BOTTOM - TOP) * Math.max(v, 0) / top).toFixed(1); };
      $("live-line").setAttribute("points", sweeps.map(function (s) { return x(s.sweep) + "," + y(s.amplitude_uv); }).join(" "));
      const g = $("live-pts");
      while (g.firstChild) g.removeChild(g.firstChild);
      sweeps.forEach(function (s) {
        const c = document.createElementNS(NS, "circle");
        c.setAttribute("cx", x(s.sweep)); c.setAttribute("cy", y(s.amplitude_uv)); c.setAttribute("r", "4.5");
        c.setAttribute("class", "pt " + (s.present ? "pres" : "abs"));
        c.setAttribute("data-sweep", String(s.sweep));
        const t = document.createElementNS(NS, "title");
        t.textContent = "sweep " + s.sweep + ": " + (s.present ? "LSR " + fmt(s.amplitude_uv, 0) + " µV" : "no LSR");
        c.appendChild(t); g.appendChild(c);
      });
      $("live-ymax").textContent = String(Math.round(top));
      $("live-xmax").textContent = String(n - 1);
      if (baseline) { $("live-base").setAttribute("y1", y(baseline)); $("live-base").setAttribute("y2", y(baseline)); }
      const dis = $("live-dis"), sh = $("live-gone");
      if (gone !== null) {
        dis.setAttribute("x1", x(gone)); dis.setAttribute("x2", x(gone));
        sh.setAttribute("x", x(gone)); sh.setAttribute("width", String(Math.max(R - x(gone), 2)));
      } else { dis.setAttribute("x1", "-10"); dis.setAttribute("x2", "-10"); sh.setAttribute("width", "0"); }
    }
    const es = new EventSource(box.dataset.events);
    es.addEventListener("sweep", function (ev) {
      const s = JSON.parse(ev.data);
      sweeps.push(s);
      baseline = s.baseline_uv;
      const st = $("live-state");
      st.textContent = s.state.toUpperCase(); st.className = "live-state " + s.state;
      $("live-sweeps").textContent = String(sweeps.length);
      $("live-amp").textContent = fmt(s.amplitude_uv, 0) + " µV";
      $("live-baseline").textContent = baseline ? "baseline " + fmt(baseline, 0) + " µV" : "";
      if (s.latency_ms !== null) $("live-latency").textContent = fmt(s.latency_ms, 2) + " ms";
      if (s.delay_ms !== null) $("live-delay").textContent = "read " + fmt(s.delay_ms, 0) + " ms after the sweep";
      redraw();
    });
    es.addEventListener("change", function (ev) {
      const c = JSON.parse(ev.data);
      const a = $("live-alert");
      if (c.change === "disappeared") {
        gone = c.sweep;
        a.textContent = "LSR DISAPPEARED at sweep " + c.sweep + " (" + c.criterion + ", " + c.consecutive +
          " sweeps; criterion met at sweep " + c.signalled_at_sweep + ")";
      } else {
        gone = null;
        a.textContent = "LSR RETURNED at sweep " + c.sweep + " (" + c.criterion + ")";
      }
      a.dataset.change = c.change; a.dataset.sweep = String(c.sweep);
      a.hidden = false;
      redraw();
    });
    es.addEventListener("status", function (ev) {
      const s = JSON.parse(ev.data);
      $("live-status").textContent = s.status;
      box.dataset.status = s.status;
      if (s.synthetic) $("live-synthetic").hidden = false;
      if (s.error) { $("live-error").textContent = s.error; $("live-error").hidden = false; }
      if (s.status === "ended" || s.status === "stopped" || s.status === "failed") {
        closed = true; es.close();
        const stop = $("live-stop"); if (stop) stop.disabled = true;
      }
    });
    es.onerror = function () { if (closed) es.close(); };
  }
  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("live-monitor");
    if (box && window.EventSource) initLive(box);
  });
})();
