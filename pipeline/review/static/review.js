// Keyboard shortcuts for the review workspace. No inline script: the CSP forbids it.
// Keys come from data- attributes on <body>; they press the same buttons a mouse would.
(function () {
  "use strict";
  var body = document.body;
  var keys = {
    accept: body.dataset.keyAccept || "a",
    reject: body.dataset.keyReject || "x",
    skip: body.dataset.keySkip || " ",
    undo: body.dataset.keyUndo || "u"
  };
  var fields = { n: "note", c: "consideration", m: "msi-select", p: "polarity" };
  var busy = false;

  function isField(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }

  function press(action) {
    var button = document.querySelector('button[data-action="' + action + '"]');
    if (!button || busy) { return false; }
    busy = true;
    document.querySelectorAll("button[data-action]").forEach(function (b) {
      b.classList.add("pending");
    });
    button.form.requestSubmit(button);
    return true;
  }

  // A second press while a decision is being sent would only re-send the same idempotency key;
  // block it anyway so a reviewer never sees a double submission.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form.decide, form.inline, form.pull")) {
      if (event.target.dataset.sent === "1") { event.preventDefault(); return; }
      event.target.dataset.sent = "1";
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (isField(target)) {
      // In the decision form, Enter must not submit (it would accept): it leaves the field.
      var inCard = target.closest("form.decide") !== null;
      if (event.key === "Escape" || (inCard && event.key === "Enter" && target.tagName !== "TEXTAREA")) {
        event.preventDefault();
        target.blur();
      }
      return;
    }
    if (target && target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) {
      return; // let a focused button behave like a button
    }
    var key = event.key;
    for (var action in keys) {
      if (keys[action] === key) {
        if (press(action)) { event.preventDefault(); }
        return;
      }
    }
    if (/^[1-9]$/.test(key)) { // accept under the tool's next reference point, if offered;
      // on the similar passages page, pull that passage into the queue
      if (press("accept-as-" + key) || press("pull-" + key)) { event.preventDefault(); }
      return;
    }
    var link = /^[a-z]$/.test(key) ? document.querySelector('[data-key="' + key + '"]') : null;
    if (link) { // s: similar passages, and back to the card
      event.preventDefault();
      link.click();
      return;
    }
    if (fields[key]) {
      var field = document.getElementById(fields[key]);
      if (field) { event.preventDefault(); field.focus(); }
    }
  });
})();
