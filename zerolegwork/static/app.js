// The site's small progressive enhancements, loaded on every page (no inline handlers: see headers.py).
(function () {
  "use strict";

  // <form data-confirm="…">: static/confirm.js, loaded in <head> so that no early click skips the question.

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

  // Evidence forms (files/_evidence.html, data-inplace) are sent without leaving the page: an upload shows
  // its progress and, when it did not get through, a retry; a withdrawal ("remove") too. Afterwards the
  // evidence card is drawn again from the page, so the task form beside it keeps every typed value.
  var evidenceCard = function () { return document.querySelector("[data-testid=evidence]"); };
  var redrawEvidence = function (slotForm, message) {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-testid=evidence]");
        var old = evidenceCard();
        if (!fresh || !old) { return; }
        old.replaceWith(fresh);
        var again = slotForm && fresh.querySelector("[data-testid='" + slotForm + "'] [data-upload-status]");
        if (again && message) {
          again.hidden = false;
          again.querySelector(".progress").hidden = true;
          again.querySelector("[data-upload-message]").textContent = message;
        }
      });
  };
  var sendInPlace = function (form, body) {
    var card = evidenceCard();
    var status = form.querySelector("[data-upload-status]");
    var bar = status && status.querySelector(".progress-bar");
    var note = status && status.querySelector("[data-upload-message]");
    var retry = status && status.querySelector("[data-upload-retry]");
    var buttons = form.querySelectorAll("button[type=submit]");
    var say = function (text, bad) {
      if (!note) { if (bad) { window.alert(text); } return; }
      note.textContent = text;
      note.classList.toggle("text-danger", bad);
    };
    if (status) {
      status.hidden = false;
      status.querySelector(".progress").hidden = false;
      bar.style.width = "0%";
      bar.classList.remove("bg-danger");
      retry.hidden = true;
    }
    say(card.getAttribute("data-uploading"), false);
    buttons.forEach(function (b) { b.disabled = true; });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (bar && event.lengthComputable) { bar.style.width = Math.round((100 * event.loaded) / event.total) + "%"; }
    });
    var failed = function (text, retryable) {
      buttons.forEach(function (b) { b.disabled = false; });
      if (bar) { bar.classList.add("bg-danger"); }
      say(text, true);
      if (retry) {
        retry.hidden = !retryable;
        retry.onclick = function () { sendInPlace(form, body); };
      }
    };
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = {}; }
      if (xhr.status >= 200 && xhr.status < 300 && answer.ok) {
        if (bar) { bar.style.width = "100%"; }
        redrawEvidence(form.getAttribute("data-testid"), answer.message);
      } else {
        failed(answer.error || card.getAttribute("data-upload-failed"), xhr.status >= 500);
      }
    });
    xhr.addEventListener("error", function () { failed(card.getAttribute("data-upload-failed"), true); });
    xhr.send(body);
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-inplace") || !window.FormData) { return; }
    event.preventDefault();
    sendInPlace(form, new FormData(form));
  });

  // A task form with data-draft-url keeps a draft on the server (inbox/drafts.py): saved a moment after
  // each change, and before another form of the page (an upload, a claim) leaves it; leaving the page
  // with changes not yet saved asks first.
  var draftForm = document.querySelector("form[data-draft-url]");
  if (draftForm) {
    var status = draftForm.querySelector("[data-draft-status]");
    var marker = draftForm.querySelector("input[name=_draft]");
    var dirty = false;
    var submitting = false;
    var timer = null;
    var saveDraft = function () {
      clearTimeout(timer);
      timer = null;
      if (!dirty) { return Promise.resolve(); }
      dirty = false;
      return fetch(draftForm.getAttribute("data-draft-url"), {
        method: "POST",
        body: new FormData(draftForm),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) { throw new Error(answer.error || String(response.status)); }
          return answer;
        });
      }).then(function (answer) {
        marker.value = "1";
        status.textContent = answer.message;
        status.classList.remove("text-danger");
      }).catch(function (error) {
        dirty = true;
        status.textContent = error.message;
        status.classList.add("text-danger");
      });
    };
    var changed = function () {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(saveDraft, 1500);
    };
    draftForm.addEventListener("input", changed);
    draftForm.addEventListener("change", changed);
    draftForm.addEventListener("submit", function () { submitting = true; clearTimeout(timer); });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form === draftForm || !dirty || event.defaultPrevented) { return; }
      event.preventDefault();
      saveDraft().then(function () { form.submit(); });
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
})();
