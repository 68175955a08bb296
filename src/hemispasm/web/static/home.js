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
        try {
          const r = await fetch(box.dataset.upload, { method: "POST", body: form, credentials: "omit" });
          if (!r.ok) { const j = await r.json().catch(function () { return {}; }); fail(j.error || "The upload failed."); return; }
          countdown.textContent = ""; done.hidden = false; start.hidden = true;
        } catch (e) { fail("The upload failed: check the connection and try again."); }
      };
      let left = seconds;
      countdown.textContent = "Recording: " + left + " s left";
      rec.start(1000);
      const timer = setInterval(function () {
        left -= 1;
        countdown.textContent = "Recording: " + left + " s left";
        if (left <= 0) { clearInterval(timer); rec.stop(); }
      }, 1000);
    });
  });
})();
