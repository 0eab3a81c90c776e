// Loaded in <head>, before any form exists: a <form data-confirm="…"> or its <button data-confirm="…"> asks
// before it is sent, even when it is clicked before the rest of the page's scripts ran; cancelling sends nothing.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
