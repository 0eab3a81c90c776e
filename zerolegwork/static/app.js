// The site's small progressive enhancements, loaded on every page (no inline handlers: see headers.py).
(function () {
  "use strict";

  // <form data-confirm="…"> or its <button data-confirm="…">: ask before it is sent; cancelling sends nothing.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    // <button data-tick-all="form-id">: tick every checkbox that belongs to that form.
    var tick = event.target.closest("[data-tick-all]");
    if (tick) {
      var form = document.getElementById(tick.getAttribute("data-tick-all"));
      if (form) {
        Array.prototype.forEach.call(form.elements, function (c) {
          if (c.type === "checkbox") { c.checked = true; }
        });
      }
      return;
    }
    // A table field's "add row" button (inbox/_rows_field.html): copy its template line, numbered.
    var button = event.target.closest("[data-rows-add]");
    if (!button) { return; }
    var name = button.getAttribute("data-rows-add");
    var table = document.getElementById("rows-" + name);
    var body = table.tBodies[0];
    var max = parseInt(table.getAttribute("data-max-rows"), 10);
    var next = body.rows.length;
    if (next < max) {
      var template = button.parentNode.querySelector("template[data-rows-template]");
      body.insertAdjacentHTML("beforeend", template.innerHTML.split("__i__").join(String(next)).split("__n__").join(String(next + 1)));
    }
    button.disabled = body.rows.length >= max;
  });

  // Without this script the table fields offer their blank lines only; with it, "add row" too.
  document.querySelectorAll("[data-rows-add][hidden]").forEach(function (b) { b.hidden = false; });
})();
