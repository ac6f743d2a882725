// Samenspel's small enhancements; every page works without this file.
(function () {
  "use strict";
  // Mentions: in a comment field with data-mention-url, "@" and a letter ask the server
  // (htmx) for members by name; the field becomes a combobox over the listbox of them.
  // Up/Down choose, Enter (or a click) inserts the stored form "@[Name](user:id)", Escape
  // closes. Without this script a plain "@name" is matched to a member on save.
  var MENTION_QUERY = /(^|[^\w@\[])@([^\s@\[\]()][^@\[\]()\n]{0,40})$/;
  function mentionList(field) {
    return document.getElementById(field.getAttribute("data-mention-list"));
  }
  function mentionOptions(field) {
    var list = mentionList(field);
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }
  function closeMentions(field) {
    var list = mentionList(field);
    if (list) {
      list.hidden = true;
      list.innerHTML = "";
    }
    field.setAttribute("aria-expanded", "false");
    field.removeAttribute("aria-activedescendant");
  }
  function activateMention(field, index) {
    var options = mentionOptions(field);
    if (!options.length) return;
    index = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    field.setAttribute("aria-activedescendant", options[index].id);
  }
  function chooseMention(field, option) {
    var end = field.selectionStart;
    var before = field.value.slice(0, end);
    var match = MENTION_QUERY.exec(before);
    if (!match) return closeMentions(field);
    var name = option.getAttribute("data-mention-name").replace(/[\[\]\n\r]/g, " ");
    var token = "@[" + name + "](user:" + option.getAttribute("data-mention-id") + ") ";
    var start = end - match[2].length - 1;
    field.value = field.value.slice(0, start) + token + field.value.slice(end);
    field.selectionStart = field.selectionEnd = start + token.length;
    closeMentions(field);
    field.focus();
  }
  function enhanceMentions(root) {
    root.querySelectorAll("textarea[data-mention-url]").forEach(function (field) {
      if (field.getAttribute("role") === "combobox") return;
      field.setAttribute("role", "combobox");
      field.setAttribute("aria-autocomplete", "list");
      field.setAttribute("aria-expanded", "false");
      field.setAttribute("aria-controls", field.getAttribute("data-mention-list"));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    enhanceMentions(document);
  });
  document.addEventListener("htmx:load", function (event) {
    enhanceMentions(event.detail.elt.parentNode || document);
  });
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("textarea[data-mention-url]") || !window.htmx) return;
    var match = MENTION_QUERY.exec(field.value.slice(0, field.selectionStart));
    if (!match || !/\p{L}/u.test(match[2])) return closeMentions(field);
    var list = mentionList(field);
    window.htmx.ajax("GET", field.getAttribute("data-mention-url"), {
      target: list, swap: "innerHTML", values: { q: match[2] }, source: list,
    });
  });
  // The list opens when an answer has been swapped in, not when htmx.ajax's promise
  // settles: while one request is underway htmx queues the next and settles its promise
  // at once, before its answer is in the list.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list || !list.matches || !list.matches(".ss-mentions__list")) return;
    var field = document.querySelector('textarea[data-mention-list="' + list.id + '"]');
    if (!field) return;
    var match = MENTION_QUERY.exec(field.value.slice(0, field.selectionStart));
    if (match && /\p{L}/u.test(match[2]) && mentionOptions(field).length) {
      list.hidden = false;
      field.setAttribute("aria-expanded", "true");
      activateMention(field, 0);
    } else {
      closeMentions(field);
    }
  });
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("textarea[data-mention-url]")) return;
    if (field.getAttribute("aria-expanded") !== "true") return;
    var options = mentionOptions(field);
    var current = options.indexOf(document.getElementById(field.getAttribute("aria-activedescendant")));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      activateMention(field, current + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      chooseMention(field, options[current]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeMentions(field);
    }
  });
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest(".ss-mentions__list [role=option]");
    if (!option) return;
    event.preventDefault(); // keep focus (and the cursor) in the field
    var field = document.querySelector("[aria-controls='" + option.parentNode.id + "']");
    if (field) chooseMention(field, option);
  });
  // A file too large for the upload route (413) is answered with the documents section and
  // its message in the form: swap it in like any refused form (htmx leaves 4xx alone).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr && detail.xhr.status === 413 && detail.target && detail.target.id === "documents") {
      detail.shouldSwap = true;
      detail.isError = false;
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
