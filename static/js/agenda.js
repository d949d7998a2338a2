// Agenda editor: drag and drop reordering, and small conveniences.
// Every action also works without this file (the arrow buttons and plain forms).
(function () {
  "use strict";

  var app = document.getElementById("agenda-app");
  var message = document.getElementById("agenda-message");
  var csrf = document.querySelector('meta[name="csrf-token"]');

  function scrollToRefused() {
    var refused = document.querySelector("[data-scroll-into-view]");
    if (refused) { refused.scrollIntoView({block: "center"}); }
  }

  // Ask before deleting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // A file over the limit is refused before it is sent over a slow link.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) { return; }
    var file = input.files && input.files[0];
    var tooLarge = file && file.size > Number(input.getAttribute("data-max-bytes"));
    input.setCustomValidity(tooLarge ? input.getAttribute("data-too-large") : "");
    input.classList.toggle("is-invalid", Boolean(tooLarge));
    if (tooLarge) { input.reportValidity(); }
  });

  function say(text, kind) {
    if (!message) { return; }
    message.textContent = text || "";
    message.className = "alert alert-" + (kind || "warning") + (text ? "" : " d-none");
  }

  function currentOrder(list) {
    return Array.prototype.map.call(list.querySelectorAll("[data-item-id]"), function (li) {
      return Number(li.getAttribute("data-item-id"));
    });
  }

  // Fetch the page again and put in the current agenda (list, timing, versions).
  function reloadList() {
    return fetch(window.location.pathname, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshApp = fresh.getElementById("agenda-app");
        if (!freshApp) { window.location.reload(); return; }
        app.innerHTML = freshApp.innerHTML;
        var version = freshApp.querySelector("#agenda-list");
        if (version) {
          document.querySelectorAll('input[name="agenda_version"]').forEach(function (input) {
            input.value = version.getAttribute("data-agenda-version");
          });
        }
        var freshPosition = fresh.querySelector("select[name=position]");
        var position = document.querySelector("select[name=position]");
        if (freshPosition && position) { position.innerHTML = freshPosition.innerHTML; }
        setUp();
      });
  }

  function saveOrder(list, order) {
    list.classList.add("saving");
    say(app.getAttribute("data-msg-saving"), "info");
    fetch(app.getAttribute("data-order-url"), {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrf ? csrf.getAttribute("content") : ""
      },
      body: JSON.stringify({order: order, agenda_version: Number(list.getAttribute("data-agenda-version"))})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          say(app.getAttribute("data-msg-saved"), "success");
        } else {
          // 409: someone else changed the agenda first; the list below becomes the current one.
          say(body.message || app.getAttribute("data-msg-failed"), response.status === 409 ? "warning" : "danger");
        }
        return reloadList();
      });
    }).catch(function () {
      say(app.getAttribute("data-msg-offline"), "danger");
      return reloadList();
    });
  }

  function setUp() {
    var list = app && app.querySelector("#agenda-list[data-sortable]");
    if (!list) { return; }
    var dragged = null;
    var before = null;

    // Only the handle is draggable, so text in the item stays selectable and its forms usable;
    // the whole item moves with it.
    list.querySelectorAll(".agenda-grip").forEach(function (grip) { grip.setAttribute("draggable", "true"); });

    list.addEventListener("dragstart", function (event) {
      var grip = event.target.closest && event.target.closest(".agenda-grip");
      dragged = grip && grip.closest("[data-item-id]");
      if (!dragged) { return; }
      before = currentOrder(list);
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-item-id"));
      if (event.dataTransfer.setDragImage) { event.dataTransfer.setDragImage(dragged, 20, 20); }
    });

    list.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      var over = event.target.closest("[data-item-id]");
      if (!over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });

    list.addEventListener("drop", function (event) { event.preventDefault(); });

    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("dragging");
      dragged = null;
      var order = currentOrder(list);
      if (order.join(",") !== before.join(",")) { saveOrder(list, order); }
    });
  }

  scrollToRefused();
  setUp();
})();
