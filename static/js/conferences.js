// Conference pages: small progressive enhancements. Every form also works without this file.
(function () {
  "use strict";

  // After a refused form, bring the fields to correct into view.
  var refused = document.querySelector("[data-scroll-into-view]");
  if (refused) { refused.scrollIntoView({block: "center"}); }

  // Filters submit on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Feed address: select all on focus so it can be copied at once.
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // Ask before irreversible or disruptive actions (withdraw, archive, ...).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Conference form: a start with no (or an earlier) end gets an end two hours later.
  var starts = document.querySelector(".conference-form input[name=starts_at]");
  var ends = document.querySelector(".conference-form input[name=ends_at]");
  if (starts && ends) {
    starts.addEventListener("change", function () {
      if (!starts.value || (ends.value && ends.value > starts.value)) { return; }
      var parts = starts.value.split(/[-T:]/).map(Number);
      var end = new Date(parts[0], parts[1] - 1, parts[2], parts[3] + 2, parts[4]);
      var pad = function (n) { return String(n).padStart(2, "0"); };
      ends.value = end.getFullYear() + "-" + pad(end.getMonth() + 1) + "-" + pad(end.getDate()) +
        "T" + pad(end.getHours()) + ":" + pad(end.getMinutes());
    });
  }

  // Invite form: show the unit or the person select, as chosen.
  var inviteForm = document.querySelector(".invite-form");
  if (inviteForm) {
    var syncInvitee = function () {
      var checked = inviteForm.querySelector("[data-invitee-choice]:checked");
      var kind = checked ? checked.value : "unit";
      inviteForm.querySelectorAll("[data-invitee]").forEach(function (el) {
        el.hidden = el.getAttribute("data-invitee") !== kind;
      });
    };
    inviteForm.querySelectorAll("[data-invitee-choice]").forEach(function (radio) {
      radio.addEventListener("change", syncInvitee);
    });
    syncInvitee();
  }

  // Answer forms: the substitute's name only matters for "sends a substitute".
  var syncSubstitute = function (form) {
    var checked = form.querySelector("[data-answer-choice]:checked");
    var field = form.querySelector(".substitute-field");
    if (field) { field.hidden = !checked || checked.value !== "substitute"; }
  };
  document.querySelectorAll(".answer-form").forEach(function (form) {
    form.querySelectorAll("[data-answer-choice]").forEach(function (radio) {
      radio.addEventListener("change", function () { syncSubstitute(form); });
    });
    syncSubstitute(form);
  });

  // Each row's "..." button opens one shared dialog, filled from the row's data attributes.
  var manage = document.getElementById("manage-modal");
  if (manage) {
    manage.addEventListener("show.bs.modal", function (event) {
      var row = event.relatedTarget.closest("tr");
      var data = row.dataset;
      var base = manage.getAttribute("data-base") + data.pid + "/";
      manage.querySelector("[data-modal-name]").textContent = data.name;
      manage.querySelectorAll("form[data-endpoint]").forEach(function (form) {
        form.action = base + form.getAttribute("data-endpoint");
      });
      var remove = manage.querySelector("button[data-endpoint]");
      remove.setAttribute("formaction", base + remove.getAttribute("data-endpoint"));
      var update = manage.querySelector("form[data-endpoint=update]");
      update.elements.role.value = data.role;
      update.elements.attendance.value = data.attendance;
      update.elements.headcount.value = data.headcount;
      update.elements.headcount.disabled = data.unit !== "1";
      manage.querySelector("[data-unit-only]").hidden = data.unit !== "1";
      var answer = manage.querySelector("form[data-endpoint=answer]");
      if (answer) {
        answer.querySelectorAll("[data-answer-choice]").forEach(function (radio) {
          radio.checked = radio.value === data.answer;
        });
        answer.elements.substitute_name.value = data.substitute || "";
        answer.elements.note.value = data.note || "";
        syncSubstitute(answer);
      }
    });
  }
})();
