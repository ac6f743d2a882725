// Samenspel's small enhancements; every page works without this file.
(function () {
  "use strict";
  // Insert an @mention suggestion into its comment field at the cursor.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-mention]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-target"));
    if (!field) return;
    var text = button.getAttribute("data-mention") + " ";
    var start = field.selectionStart || field.value.length;
    var end = field.selectionEnd || start;
    // "text@name" is no mention: keep a space between the text before and the @name.
    if (start > 0 && !/\s/.test(field.value.charAt(start - 1))) text = " " + text;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = start + text.length;
  });
  // Enter in a "find a member to mention" box only searches (its "search" event); it must
  // not post the half-written comment of the form around it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.closest(".ss-mentions input")) {
      event.preventDefault();
    }
  });
  // A refused form: move focus to its error summary, on page load and after an htmx swap,
  // so keyboard and screen reader users start at the list of errors.
  function focusSummary(root) {
    var summary = root.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    focusSummary(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    focusSummary(event.detail.elt || document);
  });
  // A summary link moves focus to its field (not only scrolls to it).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
  // A confirmation step: with JavaScript the button opens its <dialog> (same text as the
  // confirmation page it links to without JavaScript).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("a[data-confirm]");
    if (!button) return;
    var dialog = document.getElementById(button.getAttribute("data-confirm"));
    if (!dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.showModal();
  });
  // A form whose choice is irreversible (such as ending an agreement): submitting it with
  // that choice opens its dialog; the dialog's button submits the form with confirmed=1.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.id || typeof HTMLDialogElement === "undefined") return;
    var dialog = document.querySelector("dialog[data-confirm-form='" + form.id + "']");
    if (!dialog || (event.submitter && event.submitter.name === "confirmed")) return;
    var field = form.elements[dialog.getAttribute("data-confirm-field")];
    if (!field || field.value !== dialog.getAttribute("data-confirm-value")) return;
    event.preventDefault();
    dialog.showModal();
  });
})();
