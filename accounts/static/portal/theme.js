/* Colour mode for Bootstrap 5.3 (data-bs-theme is "light" or "dark"): "auto", the default, follows the
   system setting and its changes; a person's choice is kept in the portal_theme cookie (not in
   localStorage: signing out sends Clear-Site-Data "storage"). Loaded in <head> so the page is painted in
   the right colours at once. Without scripts the page is light, or dark when the cookie says so. */
(function () {
  "use strict";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var YEAR = 365 * 24 * 60 * 60;

  function chosen() {
    var match = document.cookie.match(/(?:^|;\s*)portal_theme=(auto|light|dark)(?:;|$)/);
    return match ? match[1] : "auto";
  }

  function apply(mode) {
    var theme = mode === "auto" ? (media && media.matches ? "dark" : "light") : mode;
    root.setAttribute("data-colour-mode", mode);
    root.setAttribute("data-bs-theme", theme);
    var buttons = document.querySelectorAll("[data-colour-mode-value]");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-colour-mode-value") === mode;
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      buttons[i].classList.toggle("active", on);
    }
  }

  function choose(mode) {
    var secure = window.location.protocol === "https:" ? "; secure" : "";
    document.cookie = "portal_theme=" + mode + "; path=/; max-age=" + YEAR + "; samesite=lax" + secure;
    apply(mode);
  }

  apply(chosen());
  if (media && media.addEventListener) {
    media.addEventListener("change", function () {
      if (chosen() === "auto") apply("auto");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var menus = document.querySelectorAll(".colour-mode-menu");
    for (var i = 0; i < menus.length; i++) menus[i].hidden = false;
    apply(chosen());
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-colour-mode-value]") : null;
      if (button) choose(button.getAttribute("data-colour-mode-value"));
    });
  });
})();
