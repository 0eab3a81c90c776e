// Draw each process diagram box (_diagram.html) with bpmn-js; data-url answers {xml, positions}.
(function () {
  "use strict";
  document.querySelectorAll(".zlw-diagram[data-url]:not([data-started])").forEach(function (box) {
    box.setAttribute("data-started", "");
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        var viewer = new BpmnJS({container: box});
        return viewer.importXML(body.xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          canvas.zoom("fit-viewport");
          Object.keys(body.positions).forEach(function (id) {
            var state = body.positions[id];
            if (registry.get(id) && (state === "done" || state === "active")) { canvas.addMarker(id, "zlw-" + state); }
          });
          box.dataset.ready = Object.keys(body.positions).filter(function (k) { return body.positions[k] === "active"; }).join(" ");
        });
      })
      .catch(function () { box.textContent = box.dataset.failed; box.dataset.ready = "error"; });
  });
})();
