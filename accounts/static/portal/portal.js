/* Small improvements for people with scripts on; every page works without them.
   - After a form error, focus moves to the page's [data-focus-on-load] message, else to the first field
     with an error (not the autofocus field).
   - Password fields get a "Show password" button.
   - The authenticator key gets a "Copy key" button.
   - Time limits count down: [data-countdown-seconds] elements (the MFA set-up and code pages, the
     "send a new code" wait), with texts given by the page in data- attributes. */
(function () {
  "use strict";
  var body = document.body;

  function text(name, fallback) {
    return body.getAttribute("data-text-" + name) || fallback;
  }

  // A message the page marks [data-focus-on-load] (a refused sign-in, a replaced page) takes the focus,
  // so it is read out first (as GOV.UK's error summary); otherwise the first field with an error does.
  function initialFocus() {
    var target = document.querySelector("main [data-focus-on-load]") || document.querySelector("main form .is-invalid");
    if (target && typeof target.focus === "function") target.focus();
  }

  function passwordToggles() {
    var fields = document.querySelectorAll("main input[type=password]");
    for (var i = 0; i < fields.length; i++) {
      (function (field) {
        if (!field.id) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-link btn-sm px-0 show-password";
        button.setAttribute("aria-controls", field.id);
        button.textContent = text("show-password", "Show password");
        button.addEventListener("click", function () {
          var show = field.type === "password";
          field.type = show ? "text" : "password";
          button.textContent = show ? text("hide-password", "Hide password") : text("show-password", "Show password");
        });
        if (field.form) {
          field.form.addEventListener("submit", function () {
            field.type = "password";
          });
        }
        field.insertAdjacentElement("afterend", button);
      })(fields[i]);
    }
  }

  function copyButtons() {
    var buttons = document.querySelectorAll("[data-copy-from]");
    for (var i = 0; i < buttons.length; i++) {
      (function (button) {
        var source = document.getElementById(button.getAttribute("data-copy-from"));
        var status = document.getElementById(button.getAttribute("data-copy-status") || "");
        if (!source || !navigator.clipboard || !window.isSecureContext) return;
        button.hidden = false;
        button.addEventListener("click", function () {
          var value = source.textContent.replace(/\s+/g, "");
          navigator.clipboard.writeText(value).then(
            function () {
              if (status) status.textContent = text("copied", "Copied");
            },
            function () {
              if (status) status.textContent = text("copy-failed", "Could not copy.");
            }
          );
        });
      })(buttons[i]);
    }
  }

  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function countdowns() {
    var elements = document.querySelectorAll("[data-countdown-seconds]");
    for (var i = 0; i < elements.length; i++) {
      (function (element) {
        var seconds = parseInt(element.getAttribute("data-countdown-seconds"), 10);
        if (isNaN(seconds)) return;
        // Relative to this page's arrival, not the server's epoch: the two clocks may differ.
        var deadline = Date.now() + seconds * 1000;
        var template = element.getAttribute("data-countdown-text") || "{time}";
        var done = element.getAttribute("data-countdown-done");
        var enable = document.getElementById(element.getAttribute("data-countdown-enable") || "");
        var timer = null;
        function tick() {
          var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
          if (left > 0) {
            element.textContent = template.replace("{time}", clock(left));
            return;
          }
          if (timer !== null) window.clearInterval(timer);
          if (enable) enable.disabled = false;
          var doneClass = element.getAttribute("data-countdown-done-class");
          if (doneClass) element.className = doneClass;
          if (done) {
            element.setAttribute("role", "alert");
            element.textContent = done;
          }
        }
        tick();
        timer = window.setInterval(tick, 1000);
      })(elements[i]);
    }
  }

  initialFocus();
  passwordToggles();
  copyButtons();
  countdowns();
})();
