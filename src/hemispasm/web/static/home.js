// hemispasm home recording: camera (getUserMedia) + MediaRecorder, countdown, upload. No inline script.
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("home");
    if (!box) return;
    const seconds = parseInt(box.dataset.seconds, 10) || 60;
    const start = document.getElementById("start");
    const preview = document.getElementById("preview");
    const countdown = document.getElementById("countdown");
    const error = document.getElementById("home-error");
    const done = document.getElementById("home-done");
    const taskNow = document.getElementById("task-now");
    const steps = Array.prototype.slice.call(document.querySelectorAll("#steps li"));
    let tasks = [];
    try { tasks = JSON.parse(box.dataset.tasks || "[]"); } catch (e) { tasks = []; }
    // The protocol's task segments as timed on this device (seconds from the recording's start).
    const segments = [];
    let t0 = 0;
    let current = -1;
    function showTask(elapsed) {
      let acc = 0, k = tasks.length - 1;
      for (let i = 0; i < tasks.length; i++) { acc += tasks[i].duration_s; if (elapsed < acc) { k = i; break; } }
      if (k === current || k < 0) return;
      const now = (performance.now() - t0) / 1000;
      if (current >= 0) segments[segments.length - 1].end_s = Math.round(now * 1000) / 1000;
      current = k;
      segments.push({ task: tasks[k].task, start_s: Math.round(now * 1000) / 1000, end_s: null });
      taskNow.textContent = "Step " + (k + 1) + " of " + tasks.length + ": " + tasks[k].instruction;
      steps.forEach(function (li, i) { li.classList.toggle("now", i === k); li.classList.toggle("past", i < k); });
    }
    function fail(msg) { error.textContent = msg; error.hidden = false; start.disabled = false; }
    start.addEventListener("click", async function () {
      start.disabled = true; error.hidden = true;
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
      } catch (e) { fail("The camera could not be opened: allow the camera for this page and try again."); return; }
      preview.srcObject = stream;
      const type = MediaRecorder.isTypeSupported("video/webm") ? "video/webm" : "";
      const rec = new MediaRecorder(stream, type ? { mimeType: type } : {});
      const chunks = [];
      rec.ondataavailable = function (ev) { if (ev.data && ev.data.size) chunks.push(ev.data); };
      rec.onstop = async function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        countdown.textContent = "Sending the recording…";
        const blob = new Blob(chunks, { type: rec.mimeType || "video/webm" });
        const form = new FormData();
        form.append("file", blob, "recording.webm");
        if (segments.length) {
          segments[segments.length - 1].end_s = Math.round((performance.now() - t0) / 10) / 100;
          const timed = segments.filter(function (g) { return g.end_s > g.start_s; });
          form.append("tasks", JSON.stringify(timed));
        }
        taskNow.textContent = "";
        try {
          const r = await fetch(box.dataset.upload, { method: "POST", body: form, credentials: "omit" });
          if (!r.ok) { const j = await r.json().catch(function () { return {}; }); fail(j.error || "The upload failed."); return; }
          countdown.textContent = ""; done.hidden = false; start.hidden = true;
        } catch (e) { fail("The upload failed: check the connection and try again."); }
      };
      countdown.textContent = "Recording: " + seconds + " s left";
      rec.start(1000);
      t0 = performance.now();
      if (tasks.length) showTask(0);
      const timer = setInterval(function () {
        const elapsed = (performance.now() - t0) / 1000;
        if (elapsed >= seconds) { clearInterval(timer); rec.stop(); return; }
        if (tasks.length) showTask(elapsed);
        countdown.textContent = "Recording: " + Math.ceil(seconds - elapsed) + " s left";
      }, 100);
    });
  });
})();
