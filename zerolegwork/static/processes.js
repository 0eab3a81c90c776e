// 流程管理 diagrams (processes/_panes.html): a version with where its matters wait (data-url answers
// {xml, heat: {element: {count, hours}}}), and the two sides of a draft's diff (data-source names a JSON
// block {xml, marks: {element: added|removed|changed}}).
(function () {
  "use strict";
  function show(box, xml) {
    var viewer = new BpmnJS({container: box});
    return viewer.importXML(xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      return viewer;
    });
  }
  function failed(box) { box.textContent = box.dataset.failed; box.dataset.ready = "error"; }

  document.querySelectorAll(".zlw-heat[data-url]").forEach(function (box) {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        return show(box, body.xml).then(function (viewer) {
          var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry"), overlays = viewer.get("overlays");
          var ids = Object.keys(body.heat).filter(function (id) { return registry.get(id); });
          var most = ids.reduce(function (m, id) { return Math.max(m, body.heat[id].count); }, 0);
          ids.forEach(function (id) {
            var h = body.heat[id];
            canvas.addMarker(id, "zlw-heat-" + Math.max(1, Math.ceil(4 * h.count / most)));
            var badge = document.createElement("span");
            badge.className = "zlw-count";
            badge.textContent = box.dataset.label.replace("{count}", h.count).replace("{hours}", h.hours);
            overlays.add(id, {position: {top: -10, left: 0}, html: badge});
          });
          box.dataset.ready = ids.join(" ");
        });
      })
      .catch(function () { failed(box); });
  });

  document.querySelectorAll(".zlw-pane[data-source]").forEach(function (box) {
    var source = document.getElementById(box.dataset.source);
    var body;
    try { body = JSON.parse(source.textContent); } catch (e) { failed(box); return; }
    if (!body.xml) { box.dataset.ready = "none"; return; }
    show(box, body.xml).then(function (viewer) {
      var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
      var ids = Object.keys(body.marks).filter(function (id) { return registry.get(id); });
      ids.forEach(function (id) { canvas.addMarker(id, "zlw-" + body.marks[id]); });
      box.dataset.ready = ids.join(" ");
    }).catch(function () { failed(box); });
  });
})();

// A migration batch's progress bar (processes/batch.html): drawn from data-done/data-total, and while the
// batch runs its status is asked again every two seconds; the page reloads once it is done.
(function () {
  "use strict";
  var box = document.querySelector(".zlw-batch[data-status]");
  if (!box) { return; }
  var bar = box.querySelector(".progress-bar");
  function draw(done, total) {
    var pct = total ? Math.round(100 * done / total) : 100;
    bar.style.width = pct + "%";
    bar.textContent = pct + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", String(done));
  }
  draw(Number(bar.dataset.done), Number(bar.dataset.total));
  if (box.dataset.state === "done") { return; }
  var timer = setInterval(function () {
    fetch(box.dataset.status, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        draw(s.done, s.total);
        if (s.state === "done") { clearInterval(timer); window.location.reload(); }
      })
      .catch(function () { clearInterval(timer); });
  }, 2000);
})();
