// The PDF batch page (project_reports/batch.html): poll the batch's state while it is queued or running.
(function () {
  "use strict";
  var box = document.getElementById("batch");
  function show(s) {
    document.querySelector('[data-testid="batch-state"]').textContent = s.label;
    var bar = document.getElementById("batch-bar");
    bar.style.width = s.percent + "%";
    bar.textContent = s.percent + "%";
    document.getElementById("batch-progress-bar").setAttribute("aria-valuenow", s.percent);
    document.getElementById("batch-done").textContent = s.done;
    document.getElementById("batch-failed-count").textContent = s.failed;
    document.getElementById("batch-failed").hidden = !s.failed;
    document.getElementById("batch-waiting").hidden = !(s.state === "queued" || s.state === "running");
    var error = document.getElementById("batch-error");
    error.hidden = !s.error;
    error.textContent = s.error || "";
    var link = document.getElementById("batch-download");
    if (s.download) { link.href = s.download; link.hidden = false; }
  }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        show(s);
        if (s.state === "queued" || s.state === "running") { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  // the page shows its "you may leave" note exactly while the batch is queued or running
  if (!document.getElementById("batch-waiting").hidden) { setTimeout(poll, 2000); }
})();
