// Remote sites page: small progressive enhancements. Every form also works without this file.
(function () {
  "use strict";

  var refused = document.querySelector("[data-scroll-into-view]");
  if (refused) { refused.scrollIntoView({block: "center"}); }

  // Ask before a disruptive action (new link, revoke).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // Copy a join link; the clipboard API needs a secure page, the old way works elsewhere.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) { return; }
      var label = button.querySelector("span");
      var original = label ? label.textContent : "";
      var done = function () {
        if (label) { label.textContent = button.getAttribute("data-copied"); }
        button.classList.replace("btn-outline-secondary", "btn-success");
        window.setTimeout(function () {
          if (label) { label.textContent = original; }
          button.classList.replace("btn-success", "btn-outline-secondary");
        }, 2000);
      };
      var fallback = function () {
        input.focus();
        input.select();
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: Ctrl+C */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });

  // New site: suggest the headcount of the unit's invitation.
  var unitSelect = document.querySelector(".site-form select[name=unit_id]");
  var headcount = document.querySelector(".site-form input[name=expected_headcount]");
  if (unitSelect && headcount) {
    unitSelect.addEventListener("change", function () {
      var option = unitSelect.options[unitSelect.selectedIndex];
      var suggested = option && option.getAttribute("data-headcount");
      if (suggested && !headcount.dataset.touched) { headcount.value = suggested; }
    });
    headcount.addEventListener("input", function () { headcount.dataset.touched = "1"; });
  }
})();
