// Staff pages: a "Copy" button for a value shown once (a temporary password). A static file, so the
// Content-Security-Policy stays "script-src 'self'"; without JavaScript the button stays hidden and the
// value can be selected by hand.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = button.parentElement.querySelector(".cognito-copied");
    if (!source || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) {
          status.textContent = button.dataset.copied;
        }
      });
    });
  });
});
