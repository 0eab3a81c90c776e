// Draw each process diagram box (_diagram.html) with bpmn-js; data-url answers {xml, positions}.
// The diagram is fitted to the box's width and the box grows to the diagram's height, but never drawn
// smaller than MIN_SCALE (labels stay readable): a diagram wider than that (on a phone) gets a box of its
// own width inside a horizontally scrolling frame instead of being shrunk to unreadable.
(function () {
  "use strict";
  var MIN_SCALE = 0.75, MAX_SCALE = 1, PAD = 12, MAX_HEIGHT = 640;
  function fit(box, canvas) {
    var inner = canvas.viewbox().inner;
    var frame = box.parentElement;
    var width = frame.clientWidth || box.clientWidth;
    if (!inner.width || !width) { canvas.zoom("fit-viewport"); return; }
    var scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, (width - 2 * PAD) / inner.width));
    var height = Math.min(MAX_HEIGHT, Math.ceil(inner.height * scale + 2 * PAD));
    box.style.width = scale * inner.width + 2 * PAD > width ? Math.ceil(inner.width * scale + 2 * PAD) + "px" : "";
    box.style.height = height + "px";
    canvas.resized();
    canvas.viewbox({x: inner.x - PAD / scale, y: inner.y - PAD / scale,
                    width: box.clientWidth / scale, height: height / scale});
    box.dataset.scale = scale.toFixed(2);
  }
  document.querySelectorAll(".zlw-diagram[data-url]:not([data-started])").forEach(function (box) {
    box.setAttribute("data-started", "");
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        var viewer = new BpmnJS({container: box});
        return viewer.importXML(body.xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          fit(box, canvas);
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
